"""Every datetime the API returns carries its zone (`...Z`), on SQLite as on PostgreSQL:
objects are created, then every parameterless GET route and each object are read back."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|[+-]\d{2}:\d{2})?$")
STREAMS = {"/api/v1/ptz/events"}  # never ends


def _datetimes(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _datetimes(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _datetimes(v, f"{where}[{i}]")]
    if isinstance(value, str) and ISO.match(value):
        return [(where, value)]
    return []


def test_every_datetime_in_a_response_is_utc_with_z(api_client: TestClient, agency_id: int) -> None:
    camera = api_client.post(
        "/api/v1/cameras",
        json={"code": "TS-1", "agency_id": agency_id, "name_en": "Clock",
              "main_url": "rtsp://127.0.0.1:8554/cam/1/main", "username": "u", "password": "p"},
    )  # fmt: skip
    assert camera.status_code == 201, camera.text
    layout = {"name": "Clock", "grid": "1", "tiles": [{"camera_id": camera.json()["id"]}]}
    posts = [
        ("/api/v1/layouts", layout),
        ("/api/v1/grants", {"grantee_agency_id": agency_id, "level": "live",
                            "owner_agency_id": None}),
        ("/api/v1/auth/api-tokens", {"name": "clock", "days": 1, "scopes": ["view_live"]}),
        ("/api/v1/walls", {"name": "Clock wall"}),
    ]  # fmt: skip
    paths = []
    for path, body in posts:
        r = api_client.post(path, json=body)
        assert r.status_code in (200, 201), (path, r.text)
    app = api_client.app
    for ctx in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        if isinstance(ctx.route, APIRoute) and "GET" in (ctx.methods or ()):
            if ctx.path and "{" not in ctx.path and ctx.path not in STREAMS:
                paths.append(ctx.path)
    paths += [f"/api/v1/cameras/{camera.json()['id']}", f"/api/v1/agencies/{agency_id}"]
    seen: list[tuple[str, str]] = []
    for path in paths:
        r = api_client.get(path)
        if r.status_code == 200 and r.headers.get("content-type", "").startswith(
            "application/json"
        ):
            seen += _datetimes(r.json(), path)
    assert len({w.split(".")[0].split("[")[0] for w, _ in seen}) >= 5, seen  # several routes
    naive = [(w, v) for w, v in seen if not v.endswith("Z")]
    assert not naive, naive
