"""The PTZ API against a live server: access (404/403), validation (422), arbitration over HTTP
(409 naming the holder, take-over told to the displaced holder), presets, and the audit trail.
The camera end is the in-memory head of tests/ptz/memory_driver.py."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from tests.fixtures_identity import World
from tests.ptz.memory_driver import MemoryPtz
from vms.db.models.identity import AuditRecord
from vms.ptz.driver import PtzDriver


@pytest.fixture
def heads(world: World) -> dict[int, MemoryPtz]:
    """Every seeded camera gets an in-memory PTZ head."""
    made = {cam_id: MemoryPtz() for cam_id in world.cameras.values()}

    async def factory(camera_id: int) -> PtzDriver | None:
        return made.get(camera_id)

    world.services.ptz.driver_factory = factory
    return made


def ptz(world: World, camera: str, tail: str = "") -> str:
    return f"/api/v1/cameras/{world.cameras[camera]}/ptz{tail}"


def audit_actions(world: World, camera: str) -> list[tuple[str, str, str | None]]:
    with world.services.db.session() as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.camera_id == world.cameras[camera])
            .where(AuditRecord.action.like("ptz.%"))
            .order_by(AuditRecord.seq)
        )
        return [(r.action, r.outcome, r.username) for r in rows]


def share(world: World, owner: str, grantee: str, level: str) -> None:
    admin = world.client_as("system_admin", "cc", "-granter")
    body = {
        "owner_agency_id": world.agencies[owner],
        "grantee_agency_id": world.agencies[grantee],
        "level": level,
    }
    r = admin.post("/api/v1/grants", json=body)
    assert r.status_code == 201, r.text


def test_without_a_driver_factory_every_camera_has_no_ptz(world: World) -> None:
    desk = world.client_as("desk_officer", "police")
    r = desk.get(ptz(world, "police1"))
    assert r.status_code == 422 and "has no PTZ" in r.json()["detail"]
    r = desk.post(ptz(world, "police1", "/move"), json={"mode": "continuous", "pan": 0.5})
    assert r.status_code == 422 and "has no PTZ" in r.json()["detail"]
    assert audit_actions(world, "police1") == []


def test_invisible_is_missing_and_visible_without_control_is_forbidden(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    stranger = world.client_as("operator", "police2")
    missing = stranger.post("/api/v1/cameras/999999/ptz/move", json={"mode": "relative"})
    hidden = stranger.post(ptz(world, "police1", "/move"), json={"mode": "relative"})
    assert missing.status_code == hidden.status_code == 404
    assert stranger.get(ptz(world, "police1")).status_code == 404
    share(world, "police", "police2", "live")
    viewer = world.client_as("operator", "police2", "-viewer")
    r = viewer.get(ptz(world, "police1"))
    assert r.status_code == 200 and r.json()["control"] is False
    r = viewer.post(ptz(world, "police1", "/move"), json={"mode": "relative", "pan": 0.1})
    assert r.status_code == 403, r.text
    governor = world.client_as("governor", "gov")
    assert governor.post(ptz(world, "police1", "/stop")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "continuous", "pan": 1.5},
        {"mode": "relative", "tilt": -1.01},
        {"mode": "absolute", "zoom": -0.2},
        {"mode": "relative", "pan": 0.1, "timeout_s": 2},
        {"mode": "sideways"},
        {"mode": "continuous", "pan": 0.1, "speed": 1},
    ],
)
def test_bad_moves_are_422_naming_the_problem(
    world: World, heads: dict[int, MemoryPtz], body: dict[str, object]
) -> None:
    desk = world.client_as("desk_officer", "police")
    r = desk.post(ptz(world, "police1", "/move"), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input" and r.json()["detail"]


def test_arbitration_over_http_and_the_take_over_notice(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    w = world
    head = heads[w.cameras["police1"]]
    desk = w.client_as("desk_officer", "police")
    r = desk.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": 0.25})
    assert r.status_code == 200, r.text
    assert r.json()["holder"]["user"] == w.user("desk_officer", "police")
    assert r.json()["holder"]["priority"] == 5000
    assert head.pan == 0.25

    operator = w.client_as("operator", "cc")  # command-center operator: 4000 < 5000
    r = operator.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": 0.25})
    assert r.status_code == 409, r.text
    holder = r.json()["details"]["holder"]
    assert holder["user"] == w.user("desk_officer", "police") and holder["until"]
    assert "desk-officer.police" in r.json()["detail"]
    assert head.pan == 0.25  # the refused move never reached the camera

    notices: list[dict[str, object]] = []
    subscribed = threading.Event()

    def listen() -> None:
        with desk.stream("GET", "/api/v1/ptz/events", timeout=10) as stream:
            for line in stream.iter_lines():
                subscribed.set()
                if line.startswith("data: "):
                    notices.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert subscribed.wait(5)
    supervisor = w.client_as("supervisor", "cc")  # 10000 > 5000: takes over at once
    r = supervisor.post(ptz(w, "police1", "/move"), json={"mode": "absolute", "zoom": 0.5})
    assert r.status_code == 200, r.text
    assert r.json()["holder"]["priority"] == 10000 and head.zoom == 0.5
    listener.join(5)
    assert notices and notices[0]["camera_id"] == w.cameras["police1"]
    assert "taken over by supervisor.cc" in str(notices[0]["reason"])

    r = desk.get(ptz(w, "police1"))
    assert r.json()["holder"]["user"] == w.user("supervisor", "cc")
    assert r.json()["priority"] == 5000 and r.json()["control"] is True
    assert desk.post(ptz(w, "police1", "/stop")).status_code == 409

    assert supervisor.delete(ptz(w, "police1", "/session")).status_code == 204
    assert desk.get(ptz(w, "police1")).json()["holder"] is None
    assert desk.post(ptz(w, "police1", "/stop")).status_code == 200

    actions = audit_actions(w, "police1")
    desk_name, sup_name = w.user("desk_officer", "police"), w.user("supervisor", "cc")
    assert actions == [
        ("ptz.take", "ok", desk_name),
        ("ptz.move", "ok", desk_name),
        ("ptz.refused", "denied", w.user("operator", "cc")),
        ("ptz.take_over", "ok", sup_name),
        ("ptz.move", "ok", sup_name),
        ("ptz.refused", "denied", desk_name),
        ("ptz.release", "ok", sup_name),
        ("ptz.take", "ok", desk_name),
        ("ptz.stop", "ok", desk_name),
    ]
    with w.services.db.session() as session:
        over = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "ptz.take_over")
        ).one()
        assert over.agency_id == w.agencies["cc"] and over.camera_agency_id == w.agencies["police"]
        assert over.detail["standing"] == "command_supervisor" and over.detail["priority"] == 10000
        assert over.detail["previous"]["user"] == desk_name and over.detail["reason"] == "ptz.move"
        refused = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "ptz.refused").order_by(AuditRecord.seq)
        ).first()
        assert refused is not None and refused.detail["holder"]["user"] == desk_name


def test_a_reservation_ignores_priority_until_cleared(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    w = world
    admin = w.client_as("agency_admin", "police")  # 8000
    r = admin.post(ptz(w, "police1", "/session"), json={"reserve": True, "minutes": 30})
    assert r.status_code == 200, r.text
    assert r.json()["holder"]["reserved"] is True
    supervisor = w.client_as("supervisor", "cc")  # 10000, but the camera is reserved
    r = supervisor.post(ptz(w, "police1", "/move"), json={"mode": "continuous", "pan": -1})
    assert r.status_code == 409 and "reservation" in r.json()["detail"]
    desk = w.client_as("desk_officer", "police")  # 5000 may not clear an 8000 reservation
    assert desk.delete(ptz(w, "police1", "/session")).status_code == 409
    assert supervisor.delete(ptz(w, "police1", "/session")).status_code == 204
    r = supervisor.post(ptz(w, "police1", "/move"), json={"mode": "continuous", "pan": -1})
    assert r.status_code == 200 and r.json()["holder"]["reserved"] is False
    bad = admin.post(ptz(w, "police1", "/session"), json={"minutes": 5})
    assert bad.status_code == 422


def test_a_control_grant_steers_at_the_shared_priority(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    w = world
    share(w, "police", "police2", "control")
    guest = w.client_as("operator", "police2")
    r = guest.get(ptz(w, "police1"))
    assert r.status_code == 200 and r.json()["priority"] == 3000
    r = guest.post(ptz(w, "police1", "/session"))
    assert r.status_code == 200 and r.json()["holder"]["priority"] == 3000
    assert guest.post(ptz(w, "muni1", "/stop")).status_code == 404


def test_presets_and_home(world: World, heads: dict[int, MemoryPtz]) -> None:
    w = world
    head = heads[w.cameras["muni1"]]
    admin = w.client_as("agency_admin", "muni")
    admin.post(ptz(w, "muni1", "/move"), json={"mode": "absolute", "pan": 0.4, "tilt": -0.2})
    r = admin.put(ptz(w, "muni1", "/presets/gate"), json={"name": "Market gate"})
    assert r.status_code == 200 and r.json() == {
        "token": "gate",
        "name": "Market gate",
        "position": None,
    }
    assert admin.put(ptz(w, "muni1", "/presets/x"), json={"name": ""}).status_code == 422
    assert admin.post(ptz(w, "muni1", "/home")).status_code == 200
    assert (head.pan, head.tilt) == (0.0, 0.0)
    listed = admin.get(ptz(w, "muni1", "/presets")).json()
    assert [(p["token"], p["name"]) for p in listed] == [("gate", "Market gate")]
    assert admin.post(ptz(w, "muni1", "/presets/gate/goto")).status_code == 200
    assert (head.pan, head.tilt) == (0.4, -0.2)
    assert admin.delete(ptz(w, "muni1", "/presets/gate")).status_code == 204
    assert admin.get(ptz(w, "muni1", "/presets")).json() == []
    status = admin.get(ptz(w, "muni1")).json()
    assert status["capabilities"]["presets"] is True and status["position"]["pan"] == 0.4


def test_operations_the_camera_lacks_are_422(world: World, heads: dict[int, MemoryPtz]) -> None:
    from vms.ptz.driver import PtzCapabilities

    w = world
    heads[w.cameras["muni2"]].caps = PtzCapabilities(
        continuous=True, relative=False, absolute=False, presets=False, home=False
    )
    admin = w.client_as("agency_admin", "muni")
    r = admin.post(ptz(w, "muni2", "/move"), json={"mode": "relative", "pan": 0.1})
    assert r.status_code == 422 and "relative" in r.json()["detail"]
    assert admin.get(ptz(w, "muni2", "/presets")).status_code == 422
    assert admin.post(ptz(w, "muni2", "/home")).status_code == 422


def test_the_contract_is_in_the_openapi(world: World) -> None:
    paths = httpx.get(f"{world.origin}/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/cameras/{camera_id}/ptz"
    assert set(paths[base]) == {"get"}
    assert set(paths[base + "/move"]) == {"post"}
    assert set(paths[base + "/session"]) == {"post", "delete"}
    assert set(paths[base + "/presets/{token}"]) == {"put", "delete"}
    assert "post" in paths[base + "/presets/{token}/goto"] and "post" in paths[base + "/home"]


def test_a_changed_camera_gets_a_fresh_driver(world: World, heads: dict[int, MemoryPtz]) -> None:
    cam_id = world.cameras["muni1"]
    admin = world.client_as("agency_admin", "muni")
    assert admin.get(ptz(world, "muni1")).json()["position"]["pan"] == 0.0
    first = heads[cam_id]
    heads[cam_id] = MemoryPtz(pan=0.5)  # what the factory answers from now on
    assert admin.get(ptz(world, "muni1")).json()["position"]["pan"] == 0.0  # still the cached one
    r = admin.patch(f"/api/v1/cameras/{cam_id}", json={"name_en": "Market, new head"})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 5
    while admin.get(ptz(world, "muni1")).json()["position"]["pan"] != 0.5:
        assert time.monotonic() < deadline, "the driver was not reopened after the change"
        time.sleep(0.05)
    assert first.closed


def test_the_governor_takes_over_an_unshared_camera_only_under_an_emergency(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    """Before: the same 404 as a missing camera. During: priority 30000 takes over from the
    owning agency's holder, marked in the audit. After the end: 404 again."""
    w = world
    gov = w.client_as("governor", "gov")
    assert gov.post(ptz(w, "police1", "/move"), json={"mode": "relative"}).status_code == 404
    desk = w.client_as("desk_officer", "police")
    r = desk.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": 0.25})
    assert r.status_code == 200 and r.json()["holder"]["priority"] == 5000
    declare = {"type": "natural_disaster", "reason": "flood", "duration_s": 600,
               "scope": {"all": True}, "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=declare)
    assert r.status_code == 201, r.text
    emergency_id = r.json()["id"]
    r = gov.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": -0.5})
    assert r.status_code == 200, r.text
    assert r.json()["holder"]["priority"] == 30000
    assert r.json()["holder"]["user"] == w.user("governor", "gov")
    assert heads[w.cameras["police1"]].pan == -0.25
    r = desk.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": 0.1})
    assert r.status_code == 409  # the owner waits while the governor holds it
    with w.services.db.session() as session:
        marked = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.camera_id == w.cameras["police1"])
            .where(AuditRecord.username == w.user("governor", "gov"))
        ).all()
    assert marked and all(row.detail.get("emergency_id") == emergency_id for row in marked)
    assert {row.action for row in marked} >= {"ptz.move"}
    assert gov.delete("/api/v1/emergency").status_code in (200, 204)
    time.sleep(0.6)  # the state cache is at most 0.5 s old
    assert gov.post(ptz(w, "police1", "/move"), json={"mode": "relative"}).status_code == 404


def test_a_session_that_runs_out_is_audited_once_in_the_holders_name(
    world: World, heads: dict[int, MemoryPtz]
) -> None:
    w = world
    ptzc = w.services.ptz
    ptzc.config = ptzc.config.model_copy(update={"session_timeout_s": 0.3})
    desk = w.client_as("desk_officer", "police")
    r = desk.post(ptz(w, "police1", "/move"), json={"mode": "relative", "pan": 0.1})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 10  # the lapse is looked for every lapse_check_s (1 s)
    while ("ptz.release", "ok", w.user("desk_officer", "police")) not in audit_actions(
        w, "police1"
    ):
        assert time.monotonic() < deadline, audit_actions(w, "police1")
        time.sleep(0.1)
    time.sleep(1.5)  # another look or two: handed out once, recorded once
    desk_name = w.user("desk_officer", "police")
    assert audit_actions(w, "police1") == [
        ("ptz.take", "ok", desk_name),
        ("ptz.move", "ok", desk_name),
        ("ptz.release", "ok", desk_name),
    ]
    with w.services.db.session() as session:
        lapse = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "ptz.release")
        ).one()
    assert lapse.detail["reason"] == "expired" and lapse.detail["holder"]["user"] == desk_name
    assert lapse.agency_id == w.agencies["police"]
    assert lapse.camera_agency_id == w.agencies["police"]
    assert desk.get(ptz(w, "police1")).json()["holder"] is None
