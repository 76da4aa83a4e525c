"""Sharing agreements over the API: who may share what, the explicit provincial grant, and
revocation taking effect on the next request."""

from __future__ import annotations

import pytest

from tests.fixtures_identity import World
from vms.cli.grants import give_provincial
from vms.errors import Conflict
from vms.events import InProcessEventBus


def test_provincial_grant_is_given_explicitly_and_visible(world: World) -> None:
    sysadmin = world.client_as("system_admin", "cc")
    grants = sysadmin.get("/api/v1/grants").json()
    provincial = [g for g in grants if g["owner_agency_id"] is None]
    assert len(provincial) == 1
    assert provincial[0]["grantee_agency_id"] == world.agencies["cc"]
    assert provincial[0]["level"] == "live"
    # the command center's own supervisor sees it as a grant towards them
    sup = world.client_as("supervisor", "cc")
    assert [g["id"] for g in sup.get("/api/v1/grants").json()] == [provincial[0]["id"]]
    # giving it again while it is in force is refused (the fixture gave it with give_provincial)
    with pytest.raises(Conflict):
        give_provincial(world.services.db, "PKT-CC")
    assert len(sysadmin.get("/api/v1/grants").json()) == 1


def test_agency_admin_shares_only_own_cameras(world: World) -> None:
    a = world.agencies
    muni_admin = world.client_as("agency_admin", "muni")
    body = {
        "owner_agency_id": a["muni"],
        "grantee_agency_id": a["police"],
        "level": "live",
        "tag": "beach",
        "hours_start": "08:00",
        "hours_end": "18:00",
    }
    r = muni_admin.post("/api/v1/grants", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["tag"] == "beach"
    # sharing another agency's cameras: that agency looks missing
    r = muni_admin.post("/api/v1/grants", json={**body, "owner_agency_id": a["police"]})
    assert r.status_code == 404
    # a camera of another agency cannot be named either
    r = muni_admin.post(
        "/api/v1/grants", json={**body, "tag": None, "camera_id": world.cameras["police1"]}
    )
    assert r.status_code == 404
    # "every agency" is for the system administrator only
    r = muni_admin.post("/api/v1/grants", json={**body, "owner_agency_id": None})
    assert r.status_code == 403
    # operators cannot share
    op = world.client_as("operator", "muni")
    assert op.post("/api/v1/grants", json=body).status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"level": "everything"},
        {"hours_start": "25:00", "hours_end": "01:00"},
        {"hours_start": "08:00"},
        {"expires_at": "2001-01-01T00:00:00Z"},
        {"camera_id": 1, "tag": "beach"},
    ],
)
def test_bad_grants_are_4xx(world: World, bad: dict[str, object]) -> None:
    a = world.agencies
    body = {"owner_agency_id": a["muni"], "grantee_agency_id": a["police"], "level": "live"}
    r = world.client_as("agency_admin", "muni").post("/api/v1/grants", json={**body, **bad})
    assert 400 <= r.status_code < 500, r.text


def test_revocation_is_immediate_and_announced(world: World) -> None:
    a = world.agencies
    muni_admin = world.client_as("agency_admin", "muni")
    body = {"owner_agency_id": a["muni"], "grantee_agency_id": a["police"], "level": "live"}
    grant = muni_admin.post("/api/v1/grants", json=body).json()
    police = world.client_as("agency_admin", "police")
    assert police.get(f"/api/v1/grants/{grant['id']}").status_code == 200
    # the grantee cannot revoke; the owner can
    assert police.delete(f"/api/v1/grants/{grant['id']}").status_code == 403
    events = world.services.events
    assert isinstance(events, InProcessEventBus)
    sub = events.subscribe("access.")
    try:
        assert muni_admin.delete(f"/api/v1/grants/{grant['id']}").status_code == 204
        listed = muni_admin.get("/api/v1/grants", params={"include_revoked": True}).json()
        assert [g["revoked_at"] is not None for g in listed if g["id"] == grant["id"]] == [True]
        # delivered on the server's loop; poll for it
        import time

        deadline = time.monotonic() + 10
        while not sub._queue and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sub._queue and sub._queue[0].data["grant_id"] == grant["id"]
    finally:
        sub.close()
    # another agency's grant looks missing to a third agency
    other = world.client_as("agency_admin", "police2")
    assert other.get(f"/api/v1/grants/{grant['id']}").status_code == 404
