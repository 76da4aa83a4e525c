"""Walls over the real server: who may register and push to which wall, what a wall's own
operator may do with a push (locked or not), what is refused and why, and the audit trail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.fixtures_identity import World
from vms.db.models.identity import AuditRecord

# (role, agency) -> status of a push to the municipality's wall / the police station's wall
PUSH_MATRIX = [
    ("system_admin", "cc", 200, 200),
    ("supervisor", "cc", 200, 200),
    ("agency_admin", "muni", 200, 404),
    ("agency_admin", "police", 404, 200),
    ("operator", "muni", 403, 404),
    ("desk_officer", "police", 404, 403),
    ("operator", "cc", 404, 404),
    ("governor", "gov", 404, 404),
]


def _walls(world: World) -> dict[str, int]:
    admin = world.client_as("system_admin", "cc")
    ids = {}
    for key in ("muni", "police"):
        body = {"name": f"{key} desk", "agency_id": world.agencies[key], "group": "phuket"}
        r = admin.post("/api/v1/walls", json=body)
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    return ids


def _layout(*camera_ids: int, **extra: Any) -> dict[str, Any]:
    tiles = [{"camera_id": str(c)} for c in camera_ids]
    return {"layout": {"grid": "4", "tiles": tiles}, **extra}


def _actions(world: World) -> list[str]:
    with world.services.db.session() as session:
        rows = session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.action.like("wall.%"))
            .order_by(AuditRecord.seq)
        )
        return list(rows)


def test_push_permissions_matrix(sqlite_world: World) -> None:
    world = sqlite_world
    walls = _walls(world)
    muni_cam = world.cameras["muni1"]
    for role, agency, to_muni, to_police in PUSH_MATRIX:
        c = world.client_as(role, agency)
        for key, want in (("muni", to_muni), ("police", to_police)):
            # a camera every pusher who may push can see: the wall's own agency's, or (for
            # the command center) one the provincial agreement shares
            cam = muni_cam if key == "muni" else world.cameras["police1"]
            r = c.post(f"/api/v1/walls/{walls[key]}/push", json=_layout(cam))
            assert r.status_code == want, (role, agency, key, r.text)
            if want == 200:
                assert r.json()["pushed_by"] == world.user(role, agency)
                assert r.json()["mode"] == "pushed"
    # an agency administrator may not push another agency's camera, even to their own wall
    r = world.client_as("agency_admin", "muni").post(
        f"/api/v1/walls/{walls['muni']}/push", json=_layout(world.cameras["police1"])
    )
    assert r.status_code == 422 and str(world.cameras["police1"]) in r.json()["detail"]


def test_register_and_list(sqlite_world: World) -> None:
    world = sqlite_world
    walls = _walls(world)
    r = world.client_as("operator", "muni").get("/api/v1/walls")
    assert [w["id"] for w in r.json()["items"]] == [walls["muni"]]
    assert len(world.client_as("supervisor", "cc").get("/api/v1/walls").json()["items"]) == 2
    r = world.client_as("agency_admin", "muni").post(
        "/api/v1/walls", json={"name": "x", "agency_id": world.agencies["police"]}
    )
    assert r.status_code == 403
    r = world.client_as("operator", "muni").post("/api/v1/walls", json={"name": "mine"})
    assert r.status_code == 403
    r = world.client_as("supervisor", "cc").post("/api/v1/walls", json={"name": "muni desk"})
    assert r.status_code == 409
    assert world.client_as("operator", "muni").get("/api/v1/walls/999").status_code == 404


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "exactly one of layout and alarm"),
        ({"layout": {"grid": "4", "tiles": []}, "alarm": {"title": "a", "camera_ids": [1]}}, ""),
        ({"layout": {"grid": "7", "tiles": []}}, "grid"),
        ({"layout": {"grid": "1", "tiles": [{}, {}]}}, "grid 1 has 1 tiles"),
        ({"layout": {"grid": "4", "tiles": []}, "locked": "maybe"}, "locked"),
        ({"layout": {"grid": "4", "tiles": []}, "expires_in_s": 0}, "expires_in_s"),
        ({"layout": {"grid": "4", "tiles": []}, "expires_at": "2001-01-01T00:00:00Z"}, "past"),
        ({"layout": {"grid": "4", "tiles": []}, "colour": "red"}, "colour"),
        ({"alarm": {"title": "", "camera_ids": [1]}}, "title"),
        ({"layout": {"grid": "4", "tiles": [{"camera_id": "424242"}]}}, "424242"),
        ({"alarm": {"title": "Fire", "camera_ids": ["9999", "nope"]}}, "9999, nope"),
    ],
)
def test_bad_pushes_are_4xx_naming_the_problem(
    sqlite_world: World, body: dict[str, Any], needle: str
) -> None:
    world = sqlite_world
    walls = _walls(world)
    r = world.client_as("supervisor", "cc").post(f"/api/v1/walls/{walls['muni']}/push", json=body)
    assert r.status_code == 422, r.text
    assert needle in r.text


def test_locked_push_return_unlock_and_audit(sqlite_world: World) -> None:
    world = sqlite_world
    walls = _walls(world)
    wall = walls["muni"]
    boss = world.client_as("supervisor", "cc")
    local = world.client_as("operator", "muni")
    r = boss.post(f"/api/v1/walls/{wall}/push", json=_layout(world.cameras["muni1"], locked=True))
    seq = r.json()["seq"]
    state = local.get(f"/api/v1/walls/{wall}").json()
    assert state["locked"] and not state["can_return"] and not state["can_unlock"]
    assert local.post(f"/api/v1/walls/{wall}/ack", json={"seq": seq}).status_code == 200
    assert local.post(f"/api/v1/walls/{wall}/ack", json={"seq": seq + 5}).status_code == 409
    r = local.post(f"/api/v1/walls/{wall}/return")
    assert r.status_code == 403 and "locked" in r.json()["detail"]
    assert local.post(f"/api/v1/walls/{wall}/unlock").status_code == 403
    assert boss.post(f"/api/v1/walls/{wall}/unlock").json()["locked"] is False
    r = local.post(f"/api/v1/walls/{wall}/return")
    assert r.status_code == 200 and r.json()["mode"] == "local"
    assert local.post(f"/api/v1/walls/{wall}/return").status_code == 409
    assert _actions(world) == [
        "wall.create",
        "wall.create",
        "wall.push",
        "wall.apply",
        "wall.unlock",
        "wall.return",
    ]


def test_tiles_the_wall_may_not_see_are_not_permitted(sqlite_world: World) -> None:
    world = sqlite_world
    walls = _walls(world)
    muni1, police1 = world.cameras["muni1"], world.cameras["police1"]
    body = {
        "layout": {
            "grid": "4",
            "tiles": [
                {"camera_id": str(muni1)},
                {"camera_id": str(police1)},
                {"tour": {"camera_ids": [police1, muni1], "interval_s": 5}},
                {"tour": {"camera_ids": [police1], "interval_s": 5}},
            ],
        }
    }
    boss = world.client_as("supervisor", "cc")
    assert boss.post(f"/api/v1/walls/{walls['muni']}/push", json=body).status_code == 200
    tiles = world.client_as("operator", "muni").get(f"/api/v1/walls/{walls['muni']}").json()
    tiles = tiles["content"]["tiles"]
    assert tiles[0] == {"camera_id": str(muni1), "tour": None, "permitted": True}
    assert tiles[1] == {"camera_id": None, "tour": None, "permitted": False}
    assert tiles[2]["tour"]["camera_ids"] == [str(muni1)]
    assert tiles[3]["permitted"] is False and tiles[3]["tour"] is None
    # the supervisor looking at the same wall sees every camera
    mine = boss.get(f"/api/v1/walls/{walls['muni']}").json()["content"]["tiles"]
    assert all(t["permitted"] for t in mine)


def test_push_to_group_all_and_list(world: World) -> None:
    walls = _walls(world)
    boss = world.client_as("supervisor", "cc")
    alarm = {"alarm": {"title": "Flood", "camera_ids": [world.cameras["muni1"]]}}
    r = boss.post("/api/v1/walls/push", json={"group": "phuket", **alarm, "expires_in_s": 60})
    assert r.status_code == 200, r.text
    assert {w["id"] for w in r.json()["items"]} == set(walls.values())
    assert all(w["content"]["kind"] == "alarm" and w["expires_at"] for w in r.json()["items"])
    admin = world.client_as("agency_admin", "muni")
    r = admin.post("/api/v1/walls/push", json={"walls": "all", **_layout(world.cameras["muni1"])})
    assert [w["id"] for w in r.json()["items"]] == [walls["muni"]]
    r = admin.post("/api/v1/walls/push", json={"walls": list(walls.values()), **alarm})
    assert r.status_code == 404 and str(walls["police"]) in r.json()["detail"]
    r = boss.post("/api/v1/walls/push", json={"walls": [walls["muni"]], "group": "x", **alarm})
    assert r.status_code == 422
    r = boss.post("/api/v1/walls/push", json={"group": "nowhere", **alarm})
    assert r.status_code == 404
    assert _actions(world).count("wall.push") == 3


def test_concurrent_pushes_lose_no_change_and_do_not_deadlock(world: World) -> None:
    walls = _walls(world)
    a, b = walls["muni"], walls["police"]
    cam = world.cameras["muni1"]
    boss = world.client_as("supervisor", "cc")
    calls = [("/api/v1/walls/push", {"walls": [a, b]}), ("/api/v1/walls/push", {"walls": [b, a]})]
    calls += [(f"/api/v1/walls/{b}/push", {}), (f"/api/v1/walls/{a}/push", {})]
    jobs = calls * 3

    def send(job: tuple[str, dict[str, Any]]) -> int:
        path, extra = job
        return boss.post(path, json={**_layout(cam), **extra}).status_code

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        codes = list(pool.map(send, jobs))
    assert codes == [200] * len(jobs)
    want = len(jobs) * 3 // 4  # each wall is in three of every four calls
    assert boss.get(f"/api/v1/walls/{a}").json()["seq"] == want
    assert boss.get(f"/api/v1/walls/{b}").json()["seq"] == want
    with world.services.db.session() as session:
        details = session.scalars(
            select(AuditRecord.detail).where(AuditRecord.action == "wall.push")
        ).all()
    for wall in (a, b):
        seqs = sorted(d["seq"] for d in details if d["wall_id"] == wall)
        assert seqs == list(range(1, want + 1))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_emergency_push_is_the_governors_until_it_ends(sqlite_world: World) -> None:
    """Under the override the governor's office pushes to every wall in scope, locked; nobody
    else pushes over, unlocks or leaves it; an extension carries it on; the end returns the
    wall to its own layout, audited."""
    world = sqlite_world
    walls = _walls(world)
    police_wall = f"/api/v1/walls/{walls['police']}"
    gov = world.client_as("governor", "gov")
    cam = world.cameras["police1"]
    assert gov.post(f"{police_wall}/push", json=_layout(cam)).status_code == 404  # before
    declare = {"type": "terrorism", "reason": "drill", "duration_s": 600,
               "scope": {"all": True}, "include_command_center": False}  # fmt: skip
    r = gov.post("/api/v1/emergency", json=declare)
    assert r.status_code == 201, r.text
    emergency = r.json()
    r = gov.post(f"{police_wall}/push", json=_layout(cam, world.cameras["muni1"], locked=True))
    assert r.status_code == 200, r.text
    pushed = r.json()
    assert pushed["locked"] and pushed["emergency_id"] == emergency["id"]
    assert _at(pushed["expires_at"]) == _at(emergency["ends_at"])  # ends with it at the latest
    supervisor = world.client_as("supervisor", "cc")
    assert supervisor.post(f"{police_wall}/unlock").status_code == 403
    assert supervisor.post(f"{police_wall}/push", json=_layout(cam)).status_code == 403
    desk = world.client_as("desk_officer", "police")
    r = desk.post(f"{police_wall}/return")
    assert r.status_code == 403 and "emergency" in r.json()["detail"]
    # the desk officer's wall shows the station's camera; the other agency's tile is withheld
    tiles = desk.get(police_wall).json()["content"]["tiles"]
    assert tiles[0]["camera_id"] == str(cam) and tiles[1]["permitted"] is False

    r = gov.post("/api/v1/emergency/extend", json={"duration_s": 300})
    assert r.status_code == 200, r.text
    assert _at(desk.get(police_wall).json()["expires_at"]) == _at(r.json()["ends_at"])
    assert gov.delete("/api/v1/emergency").status_code == 200
    after = desk.get(police_wall).json()
    assert after["mode"] == "local" and after["locked"] is False and after["emergency_id"] is None
    assert _actions(world)[-1] == "wall.return"
    with world.services.db.session() as session:
        push_row = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "wall.push")
            .order_by(AuditRecord.seq.desc()).limit(1)
        ).one()  # fmt: skip
    assert push_row.detail["emergency_id"] == emergency["id"] and push_row.detail["under_emergency"]
    # afterwards the supervisor's rights are the usual ones again
    assert supervisor.post(f"{police_wall}/push", json=_layout(cam)).status_code == 200
