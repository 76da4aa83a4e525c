"""The authorization matrix over HTTP in three phases: before a declaration, during it, and
after it ended. Every answer (status and body bytes) after is the same as before; during, the
answers about users, grants, audit, coverage, layouts and agencies are the same too (the
override gives no management right: vms.access_objects), and only the governor's office's
answers on cameras and walls change - by gaining what was 404 before."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.fixtures_identity import World
from vms.db.models.identity import User

USERS = [
    ("operator", "cc"),
    ("supervisor", "cc"),
    ("desk_officer", "police"),
    ("agency_admin", "police"),
    ("agency_admin", "muni"),
    ("governor", "gov"),
    ("system_admin", "cc"),
]
STATUS_ONLY = ("/api/v1/audit/verify", "/api/v1/coverage")  # their figures move with time
CAMERA_OR_WALL = ("/api/v1/cameras", "/api/v1/walls")


def _user_id(world: World, role: str, agency: str) -> int:
    name = world.user(role, agency)
    with world.services.db.session() as session:
        user = session.query(User).filter(User.username == name).one()
        return user.id


def _setup(world: World) -> list[str]:
    """A wall, a private and a shared layout, a grant: then the paths every user asks."""
    w = world
    admin = w.client_as("system_admin", "cc")
    r = admin.post("/api/v1/walls", json={"name": "police desk", "agency_id": w.agencies["police"]})
    assert r.status_code == 201, r.text
    wall = r.json()["id"]
    grant_body = {"owner_agency_id": w.agencies["muni"], "grantee_agency_id": w.agencies["police"],
                  "level": "live", "tag": "beach"}  # fmt: skip
    r = admin.post("/api/v1/grants", json=grant_body)
    assert r.status_code == 201, r.text
    grant = r.json()["id"]
    desk = w.client_as("desk_officer", "police")
    layouts = []
    for name, shared in (("mine", False), ("ours", True)):
        body = {"name": name, "shared": shared, "grid": "4",
                "tiles": [{"camera_id": str(w.cameras["police1"])}]}  # fmt: skip
        r = desk.post("/api/v1/layouts", json=body)
        assert r.status_code == 201, r.text
        layouts.append(r.json()["id"])
    paths = [
        "/api/v1/users",
        f"/api/v1/users/{_user_id(w, 'desk_officer', 'police')}",
        f"/api/v1/users/{_user_id(w, 'agency_admin', 'muni')}",
        "/api/v1/grants",
        f"/api/v1/grants/{grant}",
        "/api/v1/audit?action=grant.create",
        "/api/v1/audit/verify",
        "/api/v1/coverage",
        "/api/v1/layouts",
        *(f"/api/v1/layouts/{i}" for i in layouts),
        "/api/v1/agencies",
        "/api/v1/walls",
        f"/api/v1/walls/{wall}",
        "/api/v1/cameras",
        *(f"/api/v1/cameras/{c}" for c in w.cameras.values()),
    ]
    return paths


def _answer(r: httpx.Response, path: str) -> tuple[int, bytes]:
    if path.startswith(STATUS_ONLY):
        return r.status_code, b""
    if path.startswith("/api/v1/cameras") and r.status_code == 200:
        # a camera's live health (state, fps) moves by itself; who sees which camera does not
        data: Any = r.json()
        items = data["items"] if isinstance(data, dict) and "items" in data else [data]
        return r.status_code, json.dumps(sorted(c["id"] for c in items)).encode()
    return r.status_code, r.content


def _matrix(clients: dict[str, httpx.Client], paths: list[str]) -> dict[tuple[str, str], Any]:
    return {(who, p): _answer(c.get(p), p) for who, c in clients.items() for p in paths}


def test_the_matrix_is_the_same_before_during_and_after_an_emergency(world: World) -> None:
    w = world
    paths = _setup(w)
    clients = {f"{role}.{agency}": w.client_as(role, agency) for role, agency in USERS}
    before = _matrix(clients, paths)
    assert before[("governor.gov", f"/api/v1/cameras/{w.cameras['police1']}")][0] == 404

    gov = clients["governor.gov"]
    body = {"type": "natural_disaster", "reason": "flood", "duration_s": 600,
            "scope": {"all": True}, "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 201, r.text
    during = _matrix(clients, paths)
    assert gov.delete("/api/v1/emergency").status_code == 200
    time.sleep(w.services.emergency.cache_s + 0.1)  # every process's state cache has turned
    after = _matrix(clients, paths)

    assert after == before  # byte for byte
    changed = {key for key in before if during[key] != before[key]}
    assert changed, "the override opened nothing"
    assert all(who == "governor.gov" and p.startswith(CAMERA_OR_WALL) for who, p in changed)
    for key in changed:  # it only adds: what was missing became visible
        assert before[key][0] in (200, 404) and during[key][0] == 200, key
