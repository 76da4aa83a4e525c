"""Issue 13 item 1: an agency administrator cannot raise their agency's rights by changing its
own attributes, and no grant appears as a side effect of creating an agency or of start-up.

The exact attack: PATCH their own agency's kind to command_center, wait for a system
administrator to create any agency, then list every agency's cameras.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import free_port
from tests.fixtures_identity import World
from tests.fixtures_server import LiveServer
from vms.db.models.identity import Grant
from vms.db.models.registry import Agency


def _grants_towards(world: World, agency_id: int) -> list[Grant]:
    with world.services.db.session() as session:
        rows = session.scalars(select(Grant).where(Grant.grantee_agency_id == agency_id))
        return list(rows)


def _camera_codes(client: object) -> set[str]:
    r = client.get("/api/v1/cameras")  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    return {c["code"] for c in r.json()["items"]}


def test_agency_admin_cannot_make_their_agency_a_command_center(world: World) -> None:
    muni = world.agencies["muni"]
    admin = world.client_as("agency_admin", "muni")
    own_cameras = _camera_codes(admin)
    assert own_cameras == {"CAM-MUNI1", "CAM-MUNI2"}

    r = admin.patch(f"/api/v1/agencies/{muni}", json={"kind": "command_center"})
    assert r.status_code == 403, r.text
    assert "system administrator" in r.json()["detail"]
    with world.services.db.session() as session:
        assert session.get(Agency, muni).kind == "municipality"  # type: ignore[union-attr]

    sysadmin = world.client_as("system_admin", "cc")
    r = sysadmin.post(
        "/api/v1/agencies", json={"code": "PKT-NEW", "kind": "marine", "name_en": "New"}
    )
    assert r.status_code == 201, r.text
    assert _grants_towards(world, muni) == []
    assert _camera_codes(admin) == own_cameras


def test_creating_a_command_center_grants_nothing_by_itself(world: World) -> None:
    sysadmin = world.client_as("system_admin", "cc")
    r = sysadmin.post(
        "/api/v1/agencies",
        json={"code": "PKT-CC2", "kind": "command_center", "name_en": "Second center"},
    )
    assert r.status_code == 201, r.text
    center = r.json()["id"]
    # even a real command center (changed by the system administrator) gets nothing implicitly
    muni = world.agencies["muni"]
    r = sysadmin.patch(f"/api/v1/agencies/{muni}", json={"kind": "command_center"})
    assert r.status_code == 200, r.text
    sysadmin.post("/api/v1/agencies", json={"code": "PKT-X", "kind": "marine", "name_en": "X"})
    assert _grants_towards(world, center) == []
    assert _grants_towards(world, world.agencies["muni"]) == []


def test_provincial_grant_is_an_explicit_audited_act(world: World) -> None:
    sysadmin = world.client_as("system_admin", "cc")
    r = sysadmin.post(
        "/api/v1/agencies",
        json={"code": "PKT-CC2", "kind": "command_center", "name_en": "Second center"},
    )
    center = r.json()["id"]
    body = {"owner_agency_id": None, "grantee_agency_id": center, "level": "live"}
    # an agency administrator cannot give it, even to their own agency
    admin = world.client_as("agency_admin", "muni")
    r = admin.post("/api/v1/grants", json={**body, "grantee_agency_id": world.agencies["muni"]})
    assert r.status_code == 403
    r = sysadmin.post("/api/v1/grants", json={**body, "note": "provincial agreement"})
    assert r.status_code == 201, r.text
    grant_id = r.json()["id"]
    records = sysadmin.get("/api/v1/audit", params={"action": "grant.create"}).json()
    newest = records[0]
    assert (newest["detail"]["grant_id"], newest["username"]) == (grant_id, "system-admin.cc")
    assert newest["detail"]["owner_agency_id"] is None
    operator = world.client_as("operator", "cc")  # the fixture's own center keeps its grant
    assert _camera_codes(operator) == {"CAM-MUNI1", "CAM-MUNI2", "CAM-POLICE1"}


def test_start_up_grants_nothing(world: World) -> None:
    sysadmin = world.client_as("system_admin", "cc")
    r = sysadmin.post(
        "/api/v1/agencies",
        json={"code": "PKT-CC3", "kind": "command_center", "name_en": "Third center"},
    )
    assert r.status_code == 201, r.text
    settings = world.server.settings.model_copy(deep=True)
    settings.server.port = free_port()
    # a second server starting on the same database
    with LiveServer(settings) as second, second.client() as probe:
        assert probe.get("/healthz").status_code == 200
    assert _grants_towards(world, r.json()["id"]) == []
