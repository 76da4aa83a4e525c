"""The national system's account (role `national`) on the real server, SQLite and
PostgreSQL: it sees exactly the central-linked cameras of every agency, live and recorded,
read-only; an unlinked camera answers like a missing one, also right after it is unlinked;
nobody but the system administrator makes such an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures_identity import World


def _link(world: World, key: str, linked: bool) -> None:
    admin = world.client_as("system_admin", "cc")
    r = admin.patch(f"/api/v1/cameras/{world.cameras[key]}", json={"central_link": linked})
    assert r.status_code == 200, r.text


def test_the_national_account_sees_the_linked_cameras_read_only(world: World) -> None:
    _link(world, "police1", True)
    national = world.client_as("national", "cc")
    listed = national.get("/api/v1/cameras", params={"limit": 500}).json()["items"]
    assert [c["code"] for c in listed] == ["CAM-POLICE1"]
    linked, unlinked = world.cameras["police1"], world.cameras["muni1"]
    assert national.get(f"/api/v1/cameras/{linked}").status_code == 200
    hidden = national.get(f"/api/v1/cameras/{unlinked}")
    missing = national.get("/api/v1/cameras/987654")
    assert hidden.status_code == missing.status_code == 404
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    assert national.get(f"/api/v1/cameras/{linked}/recordings", params=window).status_code == 200
    assert national.get(f"/api/v1/cameras/{unlinked}/recordings", params=window).status_code == 404
    # read-only: no PTZ, no footage requests, no changes
    move = national.post(f"/api/v1/cameras/{linked}/ptz/move", json={"mode": "continuous"})
    assert move.status_code == 403
    request = {"cameras": [linked], "start": window["start"], "end": window["end"],
               "case_number": "N-1", "legal_basis": "x", "reason": "x"}  # fmt: skip
    assert national.post("/api/v1/data-requests", json=request).status_code == 403
    assert national.patch(f"/api/v1/cameras/{linked}", json={"name_en": "x"}).status_code == 403
    # unlinked by its agency: gone for the national system at once
    _link(world, "police1", False)
    assert national.get(f"/api/v1/cameras/{linked}").status_code == 404


def test_only_the_system_administrator_makes_a_national_account(world: World) -> None:
    body = {"username": "nat-feed", "password": "National-feed-2026", "role": "national",
            "display_name": "National system"}  # fmt: skip
    agency_admin = world.client_as("agency_admin", "muni")
    r = agency_admin.post("/api/v1/users", json=body | {"agency_id": world.agencies["muni"]})
    assert r.status_code in (403, 422), r.text
    admin = world.client_as("system_admin", "cc")
    r = admin.post("/api/v1/users", json=body | {"agency_id": world.agencies["cc"]})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "national"
