"""PTZ sessions at the emergency's edges, against the simulator's ONVIF PTZ heads (the real
driver): at the declaration every session on a camera in scope is ended and its holder told
why (reservations included), the governor steers at 30000 and takes over a reservation made
since, and at the end the sessions taken under the override are released while nobody's
pre-emergency session comes back."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from camsim import SimulatorThread
from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_identity import World
from vms.db.models.identity import AuditRecord

MOVE = {"mode": "relative", "pan": 0.2}


@pytest.fixture
def sim(camsim_factory: CamsimFactory, world: World) -> SimulatorThread:
    """Three PTZ heads, one per seeded camera (police1, muni1 tagged market, muni2 beach)."""
    started = camsim_factory(cameras=3, onvif=True, ptz_cameras=(1, 2, 3))
    admin = world.client_as("system_admin", "cc", "-onvif")
    for n, key in enumerate(("police1", "muni1", "muni2"), start=1):
        r = admin.patch(
            f"/api/v1/cameras/{world.cameras[key]}", json={"onvif_url": started.onvif_url(n)}
        )
        assert r.status_code == 200, r.text
    return started


def ptz(world: World, camera: str, tail: str = "") -> str:
    return f"/api/v1/cameras/{world.cameras[camera]}/ptz{tail}"


def holder(client: httpx.Client, world: World, camera: str) -> dict[str, Any] | None:
    r = client.get(ptz(world, camera))
    assert r.status_code == 200, r.text
    held: dict[str, Any] | None = r.json()["holder"]
    return held


def listen(client: httpx.Client, notices: list[dict[str, Any]], ready: threading.Event) -> None:
    with client.stream("GET", "/api/v1/ptz/events", timeout=15) as stream:
        for line in stream.iter_lines():
            ready.set()
            if line.startswith("data: "):
                notices.append(json.loads(line[6:]))
                return


def test_sessions_in_scope_are_taken_at_the_declaration_and_released_at_the_end(
    world: World, sim: SimulatorThread
) -> None:
    w = world
    desk = w.client_as("desk_officer", "police")
    muni = w.client_as("agency_admin", "muni")
    gov = w.client_as("governor", "gov")
    assert desk.post(ptz(w, "police1", "/move"), json=MOVE).status_code == 200
    r = muni.post(ptz(w, "muni1", "/session"), json={"reserve": True, "minutes": 30})
    assert r.status_code == 200 and r.json()["holder"]["reserved"], r.text
    assert muni.post(ptz(w, "muni2", "/move"), json=MOVE).status_code == 200

    notices: list[dict[str, Any]] = []
    ready = threading.Event()
    listener = threading.Thread(target=listen, args=(desk, notices, ready), daemon=True)
    listener.start()
    assert ready.wait(5)
    scope = {"agency_ids": [w.agencies["police"]], "tags": ["market"]}
    body = {"type": "terrorism", "reason": "bomb threat", "duration_s": 600, "scope": scope,
            "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 201, r.text
    emergency_id = r.json()["id"]
    listener.join(5)
    assert notices and notices[0]["camera_id"] == w.cameras["police1"]
    assert f"emergency {emergency_id}" in notices[0]["reason"]
    assert "governor" in notices[0]["reason"]

    assert holder(desk, w, "police1") is None  # ended at the declaration
    assert holder(muni, w, "muni1") is None  # the reservation too (tag in scope)
    kept = holder(muni, w, "muni2")  # out of scope: untouched
    assert kept is not None and kept["user"] == w.user("agency_admin", "muni")

    before = sim.ptz_state(1)
    r = gov.post(ptz(w, "police1", "/move"), json=MOVE)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "taken" and r.json()["holder"]["priority"] == 30000
    assert sim.ptz_state(1)["moves"] > before["moves"]
    # a reservation made during the emergency does not stop the governor's command
    r = muni.post(ptz(w, "muni1", "/session"), json={"reserve": True, "minutes": 30})
    assert r.status_code == 200, r.text
    r = gov.post(ptz(w, "muni1", "/move"), json=MOVE)
    assert r.status_code == 200 and r.json()["outcome"] == "took_over", r.text
    assert desk.post(ptz(w, "police1", "/move"), json=MOVE).status_code == 409

    assert gov.delete("/api/v1/emergency").status_code == 200
    time.sleep(0.6)  # the state cache is at most 0.5 s old
    assert holder(desk, w, "police1") is None  # released, and the desk's not resurrected
    assert holder(muni, w, "muni1") is None
    assert holder(muni, w, "muni2") == kept
    r = desk.post(ptz(w, "police1", "/move"), json=MOVE)
    assert r.status_code == 200 and r.json()["outcome"] == "taken", r.text

    with w.services.db.session() as session:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "ptz.release").order_by(AuditRecord.seq)
        ).all()
    edges = sorted((r.detail["edge"], r.camera_id, r.detail["holder"]["user"]) for r in rows)
    gov_name = w.user("governor", "gov")
    assert edges == sorted(
        [
            ("declared", w.cameras["police1"], w.user("desk_officer", "police")),
            ("declared", w.cameras["muni1"], w.user("agency_admin", "muni")),
            ("ended", w.cameras["police1"], gov_name),
            ("ended", w.cameras["muni1"], gov_name),
        ]
    )
    assert all(r.detail["emergency_id"] == emergency_id for r in rows)
    assert all(r.username == gov_name for r in rows)


def test_a_session_under_the_override_lasts_no_longer_than_the_emergency(
    world: World, sim: SimulatorThread
) -> None:
    w = world
    gov = w.client_as("governor", "gov")
    body = {"type": "other", "reason": "drill", "duration_s": 3, "scope": {"all": True},
            "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 201, r.text
    ends_at = r.json()["ends_at"]
    r = gov.post(ptz(w, "muni2", "/session"), json={"reserve": True, "minutes": 30})
    assert r.status_code == 200, r.text
    until = datetime.fromisoformat(r.json()["holder"]["until"])
    assert until <= datetime.fromisoformat(ends_at)  # capped at the emergency's end
    deadline = time.monotonic() + 10
    desk = w.client_as("agency_admin", "muni")
    while holder(desk, w, "muni2") is not None:  # expiry: the session lapses by time
        assert time.monotonic() < deadline, "the governor's session outlived the emergency"
        time.sleep(0.2)
    assert desk.post(ptz(w, "muni2", "/move"), json=MOVE).status_code == 200
