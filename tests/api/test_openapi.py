"""The published description (vms/api/openapi.py) against what the routes do: every path
parameter declared, every error with our error body, and the answers the route guard walk
gets (anonymous, another agency's administrator) all documented."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.fixtures_identity import World

REF = {"$ref": "#/components/schemas/ErrorBody"}
STREAMS = ("/api/v1/ptz/events", "/events")


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _documented(spec: dict[str, Any], method: str, path: str, status: int) -> bool:
    return str(status) in spec["paths"][path][method.lower()]["responses"]


def test_every_path_parameter_is_declared(api_client: TestClient) -> None:
    missing = []
    for method, path, op in _operations(api_client.get("/api/v1/openapi.json").json()):
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        for name in re.findall(r"\{(\w+)\}", path):
            if name not in declared:
                missing.append(f"{method} {path}: {name}")
    assert not missing, missing


def test_every_error_is_our_error_body(api_client: TestClient) -> None:
    spec = api_client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for method, path, op in _operations(spec):
        responses = op["responses"]
        assert "422" in responses, (method, path)
        for code, response in responses.items():
            if code[0] in "45":
                assert response["content"]["application/json"]["schema"] == REF, (path, code)
    body = spec["components"]["schemas"]["ErrorBody"]
    r = api_client.post("/api/v1/agencies", json={"code": 5})  # a real 422
    assert r.status_code == 422
    assert set(body["required"]) <= set(r.json()) <= set(body["properties"])
    assert isinstance(r.json()["details"], list)


def test_an_unreadable_body_is_a_422_in_our_body(api_client: TestClient) -> None:
    r = api_client.post(
        "/api/v1/walls", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_input", r.text
    assert "UTF-8 JSON" in r.json()["detail"]


def _routes(world: World) -> list[tuple[str, str]]:
    out = []
    for ctx in iter_route_contexts(world.server.app.routes):
        if ctx.path == "/api/v1/auth/logout":  # would end the walking administrator's token
            continue
        if isinstance(ctx.route, APIRoute) and ctx.path and not ctx.path.endswith(STREAMS):
            out += [(m, ctx.path) for m in sorted(ctx.methods or ())]
    return out


def test_answers_of_the_route_guard_walk_are_documented(sqlite_world: World) -> None:
    """Anonymous, then an agency administrator of another agency on the police's objects
    (ids of objects of theirs, or none): each status they get is in the description."""
    spec = sqlite_world.server.app.openapi()
    police_camera = sqlite_world.cameras["police1"]
    anonymous = sqlite_world.anonymous()
    admin = sqlite_world.client_as("agency_admin", "muni")
    undocumented, seen = [], set()
    for method, path in _routes(sqlite_world):
        if path not in spec["paths"] or method.lower() not in spec["paths"][path]:
            continue  # pages and mounts outside the API description
        concrete = path.replace("{camera_id}", str(police_camera))
        concrete = re.sub(r"\{[^}]+\}", "1", concrete)
        for who, client in (("anonymous", anonymous), ("other agency's admin", admin)):
            r = client.request(
                method, concrete, json={} if method in ("POST", "PUT", "PATCH") else None
            )
            seen.add(r.status_code)
            if not _documented(spec, method, path, r.status_code):
                undocumented.append(f"{method} {path} as {who}: {r.status_code}")
    assert {401, 404} <= seen
    assert not undocumented, undocumented
