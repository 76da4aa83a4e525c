"""A real simulated camera taken down and brought back while the server pulls it: the state
changes appear in `stream_states` (one row per change), and the report counts the outage.
The recorder on its own (SQLite and PostgreSQL): order, removals resolved, a bounded queue."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from camsim import SimulatorThread
from ingest.health import HealthRegistry, StreamState
from ingest.packet import StreamKey
from tests.api.test_status import sign_in_admin, wait_for
from tests.fixtures_server import LiveServer, site_settings
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.uptime.recorder import RESTARTED_REASON, StreamStateRecorder


def states(db: Database, camera_id: int) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.scalars(
            select(StreamStateChange)
            .where(StreamStateChange.camera_id == camera_id, StreamStateChange.stream == "main")
            .order_by(StreamStateChange.id)
        )
        return [(r.state, r.reason or "") for r in rows]


@pytest.fixture
def site(tmp_path: Path, camsim: SimulatorThread) -> Iterator[tuple[LiveServer, httpx.Client, int]]:
    settings = site_settings(
        tmp_path / "vms.db",
        ingest={"connect_timeout_s": 2, "stall_timeout_s": 2, "backoff_initial_s": 0.2,
                "backoff_max_s": 0.5},
    )  # fmt: skip
    with LiveServer(settings) as server, server.client() as client:
        sign_in_admin(server, client)
        agency = client.post(
            "/api/v1/agencies", json={"code": "PKT-T", "kind": "municipality", "name_th": "ท"}
        ).json()
        camera = client.post(
            "/api/v1/cameras",
            json={"code": "CAM-1", "agency_id": agency["id"], "name_th": "กล้องหนึ่ง",
                  "main_url": camsim.url(1, "main"), "pull_mode": "always"},
        )  # fmt: skip
        assert camera.status_code == 201, camera.text
        yield server, client, camera.json()["id"]


def test_down_and_up_are_recorded_and_counted(
    site: tuple[LiveServer, httpx.Client, int], camsim: SimulatorThread
) -> None:
    server, client, camera_id = site
    db = server.services.db
    began = datetime.now(UTC) - timedelta(seconds=1)
    wait_for(lambda: ("online", "") in states(db, camera_id), what="online recorded")
    camsim.down(1)
    wait_for(lambda: any(s == "offline" for s, _ in states(db, camera_id)), what="offline recorded")
    camsim.up(1)
    wait_for(lambda: states(db, camera_id)[-1][0] == "online", what="online again")
    history = [s for s, _ in states(db, camera_id)]
    assert history.count("online") >= 2
    # one row per change: never the same state and reason twice in a row
    rows = states(db, camera_id)
    assert all(a != b for a, b in itertools.pairwise(rows))

    r = client.get(
        "/api/v1/reports/uptime",
        params={"start": began.isoformat(), "end": datetime.now(UTC).isoformat()},
    )
    assert r.status_code == 200, r.text
    [agency] = [a for a in r.json()["agencies"] if a["code"] == "PKT-T"]
    [stream] = agency["streams"]
    figures = stream["figures"]
    assert figures["causes"].get("offline", 0) > 0
    assert 0 < figures["availability_pct"] < 100
    assert agency["longest_outages"][0]["cause"] == "offline"

    assert client.delete(f"/api/v1/cameras/{camera_id}").status_code == 200
    wait_for(lambda: states(db, camera_id)[-1][0] == "retired", what="retirement recorded")


def test_a_stopped_server_leaves_its_streams_unknown(
    site: tuple[LiveServer, httpx.Client, int],
) -> None:
    server, _client, camera_id = site
    db = Database(server.services.settings.database.url)
    try:
        wait_for(lambda: ("online", "") in states(db, camera_id), what="online recorded")
        server.stop()
        assert states(db, camera_id)[-1] == ("unknown", "server stopped: not watched")
    finally:
        db.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database.engine)
    yield database
    database.dispose()


def _camera(db: Database, state: str, code: str = "") -> int:
    code = code or state
    with db.session() as s:
        agency = Agency(code=f"A-{code}", kind="municipality", name_th=f"หน่วย {code}")
        s.add(agency)
        s.flush()
        cam = Camera(code=f"C-{code}", name_th="ก", agency_id=agency.id,
                     main_url="rtsp://127.0.0.1/x", state=state)  # fmt: skip
        s.add(cam)
        s.flush()
        return cam.id


async def test_changes_are_written_in_order_and_removals_resolved(db: Database) -> None:
    retired, active = _camera(db, "retired"), _camera(db, "active")
    recorder = StreamStateRecorder(db)
    await recorder.start()
    try:
        health = HealthRegistry(on_change=recorder.observe)
        health.add_removal_listener(recorder.removed)
        for cam in (retired, active):
            key = StreamKey(cam, "main")
            health.set_state(key, StreamState.STARTING)
            health.set_state(key, StreamState.ONLINE)
            health.set_state(key, StreamState.ONLINE)  # no change: no row
            health.remove(key)
        await recorder.flush()
    finally:
        await recorder.stop()
    assert states(db, retired) == [("starting", ""), ("online", ""), ("retired", "camera retired")]
    assert states(db, active) == [
        ("starting", ""), ("online", ""), ("unknown", "no longer pulled by this server"),
    ]  # fmt: skip
    assert recorder.dropped == 0


async def test_a_stalled_database_loses_the_oldest_changes_counted(db: Database) -> None:
    cam = _camera(db, "active")
    recorder = StreamStateRecorder(db, max_queued=2)  # not started: nothing is written yet
    health = HealthRegistry(on_change=recorder.observe)
    flapping = (StreamState.STARTING, StreamState.ONLINE, StreamState.STALLED) * 2
    for state in flapping:  # six changes of one stream; it may queue four (QUEUED_PER_STREAM)
        health.set_state(StreamKey(cam, "main"), state)
    assert recorder.dropped == 2
    await recorder.flush()
    assert states(db, cam) == [("stalled", ""), ("starting", ""), ("online", ""), ("stalled", "")]


async def test_every_stream_of_a_large_site_starting_at_once_is_kept(db: Database) -> None:
    """More streams than `max_queued` start together, and the server stops before anything
    was written: every start and every stop is recorded, nothing dropped."""
    cams = [_camera(db, "active", f"big{n}") for n in range(30)]
    recorder = StreamStateRecorder(db, max_queued=10)  # not started: nothing written yet
    health = HealthRegistry(on_change=recorder.observe)
    for cam in cams:
        health.set_state(StreamKey(cam, "main"), StreamState.STARTING)
    await recorder.stop()
    assert recorder.dropped == 0
    for cam in cams:
        assert states(db, cam) == [("starting", ""), ("unknown", "server stopped: not watched")]


async def test_a_stream_handed_to_another_process_is_left_to_it(db: Database) -> None:
    moved, kept = _camera(db, "active"), _camera(db, "proposed")
    recorder = StreamStateRecorder(db)
    await recorder.start()
    try:
        health = HealthRegistry(on_change=recorder.observe)
        for cam in (moved, kept):
            health.set_state(StreamKey(cam, "main"), StreamState.ONLINE)
        recorder.forget(StreamKey(moved, "main"))  # its lease went to another node
        await recorder.flush()
    finally:
        await recorder.stop()
    assert states(db, moved) == [("online", "")]  # no "unknown" over the new holder's state
    assert states(db, kept) == [("online", ""), ("unknown", "server stopped: not watched")]


async def test_a_restart_closes_only_what_no_other_node_pulls(db: Database) -> None:
    """A crash left three cameras "online"; another live node pulls one of them now."""
    elsewhere, mine, gone = (_camera(db, "active", f"c{n}") for n in range(3))
    first = StreamStateRecorder(db)
    await first.start()
    health = HealthRegistry(on_change=first.observe)
    for cam in (elsewhere, mine, gone):
        health.set_state(StreamKey(cam, "main"), StreamState.ONLINE)
    for cam in (elsewhere, mine, gone):  # ...and the process dies: nothing closed at its end
        first.forget(StreamKey(cam, "main"))
    await first.stop()
    asked: list[set[int]] = []

    async def held_elsewhere(ids: Collection[int]) -> set[int]:
        asked.append(set(ids))
        return {elsewhere}

    second = StreamStateRecorder(db, held_elsewhere=held_elsewhere)
    await second.start()
    await second.stop()
    assert asked == [{elsewhere, mine, gone}]
    assert states(db, elsewhere) == [("online", "")]  # the live holder's row stands
    restarted = ("unknown", RESTARTED_REASON)
    assert states(db, mine) == states(db, gone) == [("online", ""), restarted]


async def test_a_restart_that_cannot_ask_the_site_closes_every_open_stream(db: Database) -> None:
    cam = _camera(db, "active")
    first = StreamStateRecorder(db)
    await first.start()
    HealthRegistry(on_change=first.observe).set_state(StreamKey(cam, "main"), StreamState.ONLINE)
    first.forget(StreamKey(cam, "main"))  # a crash: nothing closed
    await first.stop()

    async def unreachable(ids: Collection[int]) -> set[int]:
        raise ConnectionError("redis down")

    second = StreamStateRecorder(db, held_elsewhere=unreachable)
    await second.start()
    await second.stop()
    assert states(db, cam) == [("online", ""), ("unknown", RESTARTED_REASON)]
