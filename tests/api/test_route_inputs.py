"""Every route of the published OpenAPI, walked with hostile but well-formed input: an id or
number of 2**63, a control character in every string body field, a date of year 1. None may
answer 5xx; text with a control character is refused (422) wherever a body carries text."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BIG = 2**63
NUL_TEXT = "name\x00\x1b[31m"
YEAR_ONE = "0001-01-01T00:00:00Z"
# Routes that would end the test's own session are walked last.
LAST = ("/api/v1/auth/logout", "/api/v1/auth/sign-out")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any], mode: str, depth: int = 0) -> Any:
    """A value for `schema`: numbers of 2**63 ("big"), text with NUL ("text"), year-1 dates."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(spec, o).get("type") != "null"]
            return _sample(spec, options[0], mode, depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        return {name: _sample(spec, sub, mode, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), mode, depth + 1)]
    if kind == "integer":
        return BIG if mode == "big" else 1
    if kind == "number":
        return 1e308 if mode == "big" else 1.0
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") in ("date", "date-time"):
            return YEAR_ONE[:10] if schema["format"] == "date" else YEAR_ONE
        return NUL_TEXT if mode == "text" else "x"
    return None


def _streams(op: dict[str, Any]) -> bool:
    """An event stream never ends on its own: its refusals are tested where it is built."""
    ok = op.get("responses", {}).get("200", {})
    return "text/event-stream" in ok.get("content", {})


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete") and not _streams(op)
    ]
    return sorted(ops, key=lambda o: (o[0] in LAST, o[0], o[1]))


def _request(
    client: TestClient, spec: dict[str, Any], path: str, method: str, op: dict[str, Any], mode: str
) -> tuple[int, bool]:
    """(status, whether a JSON body with text was sent)."""
    url = path
    query: dict[str, Any] = {}
    for param in op.get("parameters", []):
        value = _sample(spec, param.get("schema", {}), mode)
        if param["in"] == "path":
            if mode == "big":
                value = BIG if isinstance(value, int) else "x"
            else:
                value = 999_999 if isinstance(value, int) else "x"
            url = url.replace("{" + param["name"] + "}", str(value))
        elif param["in"] == "query" and value is not None:
            query[param["name"]] = value
    content = op.get("requestBody", {}).get("content", {})
    body = None
    if "application/json" in content:
        body = _sample(spec, content["application/json"]["schema"], mode)
    r = client.request(method.upper(), url, params=query, json=body)
    has_text = mode == "text" and body is not None and NUL_TEXT in repr(body)
    return r.status_code, has_text


@pytest.mark.parametrize("mode", ["big", "text"])
def test_no_route_answers_5xx_to_hostile_input(api_client: TestClient, mode: str) -> None:
    spec = api_client.get("/api/v1/openapi.json").json()
    client = TestClient(api_client.app, raise_server_exceptions=False)  # a 500 is an answer
    client.headers.update(api_client.headers)
    failures = []
    walked = 0
    for path, method, op in _operations(spec):
        status, has_text = _request(client, spec, path, method, op, mode)
        walked += 1
        if status >= 500:
            failures.append(f"{method.upper()} {path}: {status}")
        elif has_text and status < 400:
            failures.append(f"{method.upper()} {path}: accepted a control character ({status})")
    assert walked > 30
    assert not failures, "\n".join(failures)


def test_year_one_and_big_offsets_are_422(api_client: TestClient) -> None:
    for params in (
        {"since": YEAR_ONE},
        {"until": "0001-01-01T00:00:00+14:00"},
        {"before_seq": BIG},
    ):
        r = api_client.get("/api/v1/audit", params=params)
        assert r.status_code == 422, (params, r.text)
    r = api_client.get("/api/v1/cameras", params={"offset": BIG})
    assert r.status_code == 422, r.text
    assert api_client.get(f"/api/v1/cameras/{BIG}").status_code == 404


def test_nul_in_a_name_is_refused_and_export_stays_whole(
    api_client: TestClient, agency_id: int
) -> None:
    body = {"code": "N-1", "name_en": "a\x00b", "agency_id": agency_id,
            "main_url": "rtsp://127.0.0.1:9/x"}  # fmt: skip
    r = api_client.post("/api/v1/cameras", json=body)
    assert r.status_code == 422 and "control character" in r.json()["detail"]
    rows = b"code,name_en,agency,agency_kind,main_url\nN-2,a\x1bb,PKT-X,municipality,rtsp://127.0.0.1:9/\n"
    r = api_client.post("/api/v1/cameras/import", files={"file": ("c.csv", rows, "text/csv")})
    assert r.status_code in (200, 422) and api_client.get("/api/v1/cameras").json()["total"] == 0
    assert api_client.get("/api/v1/cameras/export", params={"format": "xlsx"}).status_code == 200
