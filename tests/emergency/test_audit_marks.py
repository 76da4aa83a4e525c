"""Everything done under the override is marked in the audit (`emergency_id`,
`under_emergency`): wall pushes, their application, unlock and return, a snapshot of a camera
only the override opened (from the simulator's real stream); acts the sharing rules allow
anyway carry no mark. (Live views and PTZ: tests/emergency/test_live_views.py,
tests/ptz/test_emergency.py.)"""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import select

from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_identity import World
from vms.db.models.identity import AuditRecord

LAYOUT = {"grid": "4", "tiles": []}


def records(world: World, prefix: str) -> list[AuditRecord]:
    with world.services.db.session() as session:
        return list(
            session.scalars(
                select(AuditRecord)
                .where(AuditRecord.action.like(f"{prefix}%"))
                .order_by(AuditRecord.seq)
            )
        )


def marks(rows: list[AuditRecord]) -> list[tuple[str, str | None, Any, Any]]:
    return [
        (r.action, r.username, r.detail.get("emergency_id"), r.detail.get("under_emergency"))
        for r in rows
    ]


def snapshot(client: httpx.Client, camera_id: int) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        r = client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg", params={"stream": "sub"})
        if r.status_code != 503 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)  # the first keyframe is on its way


def test_walls_and_snapshots_under_the_override_are_marked(
    world: World, camsim_factory: CamsimFactory
) -> None:
    w = world
    sim = camsim_factory(cameras=1)
    admin = w.client_as("system_admin", "cc")
    cam = w.cameras["police1"]
    r = admin.patch(
        f"/api/v1/cameras/{cam}",
        json={"main_url": sim.url(1, "main"), "sub_url": sim.url(1, "sub")},
    )
    assert r.status_code == 200, r.text
    r = admin.post("/api/v1/walls", json={"name": "police desk", "agency_id": w.agencies["police"]})
    assert r.status_code == 201, r.text
    wall = f"/api/v1/walls/{r.json()['id']}"
    supervisor, desk = w.client_as("supervisor", "cc"), w.client_as("desk_officer", "police")
    gov = w.client_as("governor", "gov")
    assert supervisor.post(f"{wall}/push", json={"layout": LAYOUT}).status_code == 200
    own = snapshot(desk, cam)  # the station's own camera: no override needed
    assert own.status_code == 200 and own.content[:2] == b"\xff\xd8", own.text

    body = {"type": "terrorism", "reason": "drill", "duration_s": 600, "scope": {"all": True},
            "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=body)
    assert r.status_code == 201, r.text
    em = r.json()["id"]
    assert (
        gov.post(f"{wall}/return").status_code == 200
    )  # the supervisor's push, ended by the override
    r = gov.post(f"{wall}/push", json={"layout": LAYOUT, "locked": True})
    assert r.status_code == 200, r.text
    assert desk.post(f"{wall}/ack", json={"seq": r.json()["seq"]}).status_code == 200
    assert gov.post(f"{wall}/unlock").status_code == 200
    assert gov.post(f"{wall}/return").status_code == 200
    shot = snapshot(gov, cam)
    assert shot.status_code == 200 and shot.content[:2] == b"\xff\xd8", shot.text
    assert snapshot(desk, cam).status_code == 200  # still their own: not marked, not recorded

    sup, gov_name = w.user("supervisor", "cc"), w.user("governor", "gov")
    desk_name = w.user("desk_officer", "police")
    assert marks(records(w, "wall.")) == [
        ("wall.create", w.user("system_admin", "cc"), None, None),
        ("wall.push", sup, None, None),
        ("wall.return", gov_name, em, True),
        ("wall.push", gov_name, em, True),
        ("wall.apply", desk_name, em, True),
        ("wall.unlock", gov_name, em, True),
        ("wall.return", gov_name, em, True),
    ]
    shots = records(w, "view.snapshot")
    assert marks(shots) == [("view.snapshot", gov_name, em, True)]
    assert shots[0].camera_id == cam and shots[0].camera_agency_id == w.agencies["police"]
