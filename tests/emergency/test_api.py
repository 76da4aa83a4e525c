"""The emergency API over a real server (SQLite and PostgreSQL): declare, confirm, extend, end,
every refusal a clear 4xx, audited in the same unit of work, and the override opening an
unshared camera of another agency to the governor only while it is in force."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tests.fixtures_identity import World
from vms.audit import AuditEntry
from vms.db.models.identity import AuditRecord
from vms.db.models.registry import Camera
from vms.emergency.config import EmergencyConfig

ALL = {"all": True}


def _body(**over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "natural_disaster",
        "reason": "Tsunami warning, Andaman coast",
        "duration_s": 600,
        "scope": ALL,
        "include_command_center": False,
    }
    body.update(over)
    return body


def _actions(world: World) -> list[str]:
    with world.services.db.session() as s:
        return list(
            s.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.action.like("emergency.%"))
                .order_by(AuditRecord.seq)
            )
        )


def test_lifecycle_and_refusals(world: World) -> None:
    gov = world.client_as("governor", "gov")
    assert gov.get("/api/v1/emergency").json() == {"active": False}
    # wrong role, missing reason, zero and oversized duration, a bad scope
    r = world.client_as("agency_admin", "muni").post("/api/v1/emergency", json=_body())
    assert r.status_code == 403 and "declare_emergency" in r.json()["detail"]
    body = _body()
    del body["reason"]
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = gov.post("/api/v1/emergency", json=_body(reason="   "))
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = gov.post("/api/v1/emergency", json=_body(duration_s=0))
    assert r.status_code == 422 and "duration_s" in r.json()["detail"]
    r = gov.post("/api/v1/emergency", json=_body(duration_s=10**9))
    assert r.status_code == 422 and "maximum" in r.json()["detail"]
    r = gov.post("/api/v1/emergency", json=_body(scope={"agency_ids": [99999]}))
    assert r.status_code == 422 and "99999" in r.json()["detail"]
    r = gov.post("/api/v1/emergency", json=_body(type="alien_invasion"))
    assert r.status_code == 422
    assert _actions(world) == []

    r = gov.post("/api/v1/emergency", json=_body())
    assert r.status_code == 201, r.text
    declared = r.json()
    assert declared["state"] == "active" and declared["declared_by"] == "governor.gov"
    assert declared["scope"] == ALL and declared["confirmed_by"] is None
    got = gov.get("/api/v1/emergency").json()
    assert got["id"] == declared["id"] and got["active"] is True
    # every signed-in user (a wall) reads it
    desk = world.client_as("desk_officer", "police").get("/api/v1/emergency").json()
    assert desk["type"] == "natural_disaster"

    r = gov.post("/api/v1/emergency", json=_body())
    assert r.status_code == 409 and "already active" in r.json()["detail"]
    r = gov.post("/api/v1/emergency/confirm")
    assert r.status_code == 409

    ends = datetime.fromisoformat(declared["ends_at"])
    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 300})
    assert r.status_code == 200, r.text
    assert (datetime.fromisoformat(r.json()["ends_at"]) - ends).total_seconds() == 300
    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 0})
    assert r.status_code == 422

    r = world.client_as("operator", "cc").delete("/api/v1/emergency")
    assert r.status_code == 403
    r = gov.delete("/api/v1/emergency")
    assert r.status_code == 200 and r.json()["state"] == "ended"
    assert gov.get("/api/v1/emergency").json() == {"active": False}
    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 60})
    assert r.status_code == 409 and "ended" in r.json()["detail"]
    r = gov.delete("/api/v1/emergency")
    assert r.status_code == 409

    assert _actions(world) == ["emergency.declare", "emergency.extend", "emergency.end"]
    history = gov.get("/api/v1/emergency/history").json()
    assert [h["state"] for h in history] == ["ended"]
    assert world.client_as("operator", "police").get("/api/v1/emergency/history").status_code == 403
    assert world.services.identity.audit.verify().ok


def test_extensions_stop_at_the_configured_total(world: World) -> None:
    world.services.emergency.config = EmergencyConfig(max_duration_s=600, max_total_s=1000)
    gov = world.client_as("governor", "gov")
    assert gov.post("/api/v1/emergency", json=_body(duration_s=600)).status_code == 201
    assert gov.post("/api/v1/emergency/extend", json={"duration_s": 300}).status_code == 200
    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 200})
    assert r.status_code == 422
    assert "1100 s in all" in r.json()["detail"] and "1000 seconds" in r.json()["detail"]
    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 100})  # exactly the total
    assert r.status_code == 200, r.text
    assert _actions(world) == ["emergency.declare", "emergency.extend", "emergency.extend"]


def test_a_total_below_one_declarations_maximum_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_total_s"):
        EmergencyConfig(max_duration_s=600, max_total_s=599)


def test_two_person_rule(world: World) -> None:
    world.services.emergency.config = EmergencyConfig(require_confirmation=True)
    gov = world.client_as("governor", "gov")
    second = world.client_as("governor", "gov", suffix="2")
    r = gov.post("/api/v1/emergency", json=_body())
    assert r.status_code == 201 and r.json()["state"] == "pending_confirmation"
    assert r.json()["starts_at"] is None
    cam = world.cameras["police1"]
    assert gov.get(f"/api/v1/cameras/{cam}").status_code == 404  # not yet in force
    r = gov.post("/api/v1/emergency/confirm")
    assert r.status_code == 403 and "declarer cannot confirm" in r.json()["detail"]
    r = world.client_as("desk_officer", "police").post("/api/v1/emergency/confirm")
    assert r.status_code == 403
    r = second.post("/api/v1/emergency/confirm")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "active" and r.json()["confirmed_by"] == "governor2.gov"
    assert gov.get(f"/api/v1/cameras/{cam}").status_code == 200
    assert _actions(world) == ["emergency.declare", "emergency.confirm"]


def test_governor_sees_unshared_camera_only_while_in_force(world: World) -> None:
    gov = world.client_as("governor", "gov")
    cam = world.cameras["police1"]  # shared with nobody
    before = gov.get(f"/api/v1/cameras/{cam}")
    assert before.status_code == 404
    assert gov.get("/api/v1/cameras").json()["total"] == 0
    scoped = _body(duration_s=2, scope={"agency_ids": [world.agencies["police"]], "tags": []})
    assert gov.post("/api/v1/emergency", json=scoped).status_code == 201
    assert gov.get(f"/api/v1/cameras/{cam}").status_code == 200
    listed = {c["id"] for c in gov.get("/api/v1/cameras").json()["items"]}
    assert listed == {cam}  # the municipality is out of this declaration's scope
    # an operator of another agency gains nothing
    muni_op = world.client_as("operator", "muni")
    assert muni_op.get(f"/api/v1/cameras/{cam}").status_code == 404
    deadline = time.monotonic() + 5
    while gov.get("/api/v1/emergency").json()["active"] and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(world.services.emergency.cache_s)
    after = gov.get(f"/api/v1/cameras/{cam}")
    assert after.status_code == 404 and after.json() == before.json()
    assert [h["state"] for h in gov.get("/api/v1/emergency/history").json()] == ["expired"]


def test_receipt_per_agency(world: World) -> None:
    gov = world.client_as("governor", "gov")
    em = gov.post("/api/v1/emergency", json=_body()).json()
    trail = world.services.identity.audit
    police, muni = world.agencies["police"], world.agencies["muni"]
    trail.append(
        AuditEntry(
            "view.start",
            username="governor.gov",
            agency_id=world.agencies["gov"],
            camera_id=world.cameras["police1"],
            camera_agency_id=police,
            detail={"emergency_id": em["id"]},
        )
    )
    trail.append(
        AuditEntry(
            "ptz.move",
            username="=cmd|evil",
            camera_id=world.cameras["muni1"],
            camera_agency_id=muni,
        )
    )
    gov.delete("/api/v1/emergency")
    trail.append(  # after the end: not in the receipt
        AuditEntry("view.start", camera_id=world.cameras["police1"], camera_agency_id=police)
    )
    r = gov.get(f"/api/v1/emergency/{em['id']}/report", params={"agency_id": police})
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["counts"]["viewed"] == 1 and rec["counts"]["controlled"] == 0
    assert [(x["username"], x["under_override"]) for x in rec["lines"]] == [("governor.gov", True)]
    r = gov.get(f"/api/v1/emergency/{em['id']}/report", params={"agency_id": muni, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith("seq,at,kind") and "controlled" in lines[1]
    assert "'=cmd|evil" in lines[1]  # a spreadsheet will not run it
    # the owning agency's administrator reads its own receipt, not another's
    admin = world.client_as("agency_admin", "police")
    url = f"/api/v1/emergency/{em['id']}/report"
    assert admin.get(url, params={"agency_id": police}).status_code == 200
    assert admin.get(url, params={"agency_id": muni}).status_code == 403
    assert gov.get("/api/v1/emergency/9999/report", params={"agency_id": police}).status_code == 404


def test_two_declarations_at_once_one_wins(world: World) -> None:
    clients = [world.client_as("governor", "gov", suffix=str(i)) for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        codes = sorted(
            pool.map(lambda c: c.post("/api/v1/emergency", json=_body()).status_code, clients)
        )
    assert codes == [201, 409]
    assert _actions(world) == ["emergency.declare"]
    assert world.services.identity.audit.verify().ok


def test_unconfirmed_declaration_lapses_by_time(world: World) -> None:
    world.services.emergency.config = EmergencyConfig(require_confirmation=True, confirm_within_s=1)
    gov = world.client_as("governor", "gov")
    r = gov.post("/api/v1/emergency", json=_body())
    assert r.status_code == 201 and r.json()["state"] == "pending_confirmation"
    time.sleep(1.1)
    assert gov.get("/api/v1/emergency").json() == {"active": False}
    r = world.client_as("governor", "gov", suffix="2").post("/api/v1/emergency/confirm")
    assert r.status_code == 409 and "no emergency is waiting" in r.json()["detail"]
    assert [h["state"] for h in gov.get("/api/v1/emergency/history").json()] == ["lapsed"]
    # a new declaration may be made once the old one lapsed
    assert gov.post("/api/v1/emergency", json=_body()).status_code == 201


def test_the_scope_map_is_the_governors_and_names_no_camera(world: World) -> None:
    with world.services.db.session() as session:
        cam = session.get(Camera, world.cameras["police1"])
        assert cam is not None
        cam.latitude, cam.longitude = 7.89, 98.29
    gov = world.client_as("governor", "gov")
    r = gov.get("/api/v1/emergency/map")
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"id": 1, "agency_id": world.agencies["police"], "name_en": "Agency PKT-POL1",
         "latitude": 7.89, "longitude": 98.29}
    ]  # fmt: skip
    assert "CAM-" not in r.text and "rtsp" not in r.text
    desk = world.client_as("desk_officer", "police")
    r = desk.get("/api/v1/emergency/map")
    assert r.status_code == 403 and "declare_emergency" in r.json()["detail"]
