"""`in_scope` on GET /api/v1/emergency: the banner belongs on a wall whose agency is in scope,
or that shows a camera in scope (pushed, or named by the page if the caller may watch it); a
tag-only scope covers the walls showing a tagged camera and no other; another agency's wall
answers 404 like a missing one."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures_identity import World


def declare(world: World, scope: dict[str, Any]) -> int:
    gov = world.client_as("governor", "gov")
    body = {"type": "natural_disaster", "reason": "storm", "duration_s": 600, "scope": scope,
            "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 201, r.text
    emergency_id: int = r.json()["id"]
    return emergency_id


def in_scope(client: httpx.Client, **params: Any) -> bool | None:
    r = client.get("/api/v1/emergency", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["active"] is True
    value: bool | None = r.json()["in_scope"]
    return value


def test_a_tag_only_scope_covers_the_walls_showing_a_tagged_camera(world: World) -> None:
    w = world
    admin = w.client_as("system_admin", "cc")
    r = admin.post("/api/v1/walls", json={"name": "police desk", "agency_id": w.agencies["police"]})
    assert r.status_code == 201, r.text
    police_wall = r.json()["id"]
    r = admin.post("/api/v1/walls", json={"name": "muni desk", "agency_id": w.agencies["muni"]})
    muni_wall = r.json()["id"]
    desk = w.client_as("desk_officer", "police")
    muni = w.client_as("desk_officer", "muni")
    assert desk.get("/api/v1/emergency", params={"wall_id": police_wall}).json() == {
        "active": False
    }

    declare(w, {"tags": ["market"]})  # muni1 carries the tag
    assert in_scope(desk) is False  # the police page shows nothing tagged
    assert in_scope(desk, wall_id=police_wall) is False
    assert in_scope(muni, camera_ids=[w.cameras["muni2"]]) is False  # beach, not market
    assert in_scope(muni, camera_ids=[w.cameras["muni2"], w.cameras["muni1"]]) is True
    # a camera the desk may not watch does not count (nor tell them its tags)
    assert in_scope(desk, camera_ids=[w.cameras["muni1"]]) is False
    # pushed to the police wall: the server knows the wall shows it
    supervisor = w.client_as("supervisor", "cc")
    push = {"layout": {"grid": "4", "tiles": [{"camera_id": str(w.cameras["muni1"])}]}}
    r = supervisor.post(f"/api/v1/walls/{police_wall}/push", json=push)
    assert r.status_code == 200, r.text
    assert in_scope(desk, wall_id=police_wall) is True
    # another agency's wall is as missing as one that does not exist
    other = desk.get("/api/v1/emergency", params={"wall_id": muni_wall})
    missing = desk.get("/api/v1/emergency", params={"wall_id": 999_999})
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(str(muni_wall), "N") == missing.json()["detail"].replace(
        "999999", "N"
    )
    r = desk.get("/api/v1/emergency", params={"camera_ids": ["x"]})
    assert r.status_code == 422 and "camera_ids" in r.text


def test_an_agency_scope_covers_its_walls_and_pages_only(world: World) -> None:
    w = world
    declare(w, {"agency_ids": [w.agencies["police"]]})
    assert in_scope(w.client_as("desk_officer", "police")) is True
    muni = w.client_as("desk_officer", "muni")
    assert in_scope(muni) is False
    assert in_scope(muni, camera_ids=[w.cameras["muni1"]]) is False
    gov = w.client_as("governor", "gov")  # the governor's page, showing a police camera
    assert in_scope(gov, camera_ids=[w.cameras["police1"]]) is True
    r = gov.delete("/api/v1/emergency")
    assert r.status_code == 200 and r.json()["in_scope"] is None
