"""The camera sync hands the registry's active cameras to a real ingest supervisor, with
credentials beside the URL, and follows changes published on the event bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry
from ingest.packet import StreamKey
from ingest.supervisor import IngestSupervisor
from vms.camera_sync import CameraSync
from vms.credentials.keys import KeyRing
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.emergency.override import Override
from vms.events import InProcessEventBus
from vms.registry.agencies import create_agency
from vms.registry.cameras import create_camera, retire_camera
from vms.registry.schemas import AgencyCreate, CameraCreate

POLICY = IngestConfig(allowed_schemes=["rtsp"], camera_networks=["127.0.0.0/8"]).url_policy()


@pytest.fixture
async def parts(
    db_url: str, keys: KeyRing
) -> AsyncIterator[tuple[Database, InProcessEventBus, IngestSupervisor]]:
    db = Database(db_url, keys)
    await asyncio.to_thread(upgrade, db.engine)
    events = InProcessEventBus()
    await events.start()
    supervisor = IngestSupervisor(
        IngestConfig(camera_networks=["127.0.0.0/8"]), FrameBus(), HealthRegistry()
    )
    await supervisor.start()
    yield db, events, supervisor
    await supervisor.stop()
    await events.stop()
    db.dispose()


async def _until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_sync_follows_registry(
    parts: tuple[Database, InProcessEventBus, IngestSupervisor],
) -> None:
    db, events, supervisor = parts
    with db.session() as session:
        agency = create_agency(
            session, AgencyCreate(code="PKT-POL-KARON", kind="police_station", name_en="Karon")
        )
        first = create_camera(
            session,
            CameraCreate(
                code="KR-1",
                name_en="Karon Beach",
                agency_id=agency.id,
                main_url="rtsp://127.0.0.1:9/kr1",
                sub_url="rtsp://127.0.0.1:9/kr1s",
                username="viewer",
                password="pw-karon",
                pull_mode="on_demand",
                rtsp_transport="udp",
            ),
            POLICY,
        )
        create_camera(
            session,
            CameraCreate(
                code="KR-2",
                name_en="Planned",
                agency_id=agency.id,
                main_url="rtsp://127.0.0.1:9/kr2",
                state="proposed",
                pull_mode="on_demand",
            ),
            POLICY,
        )
        first_id, agency_id = first.id, agency.id
    sync = CameraSync(db, events, lambda: supervisor, resync_s=300)
    await sync.start()
    try:
        specs = {s.key: s for s in supervisor.specs()}
        assert set(specs) == {StreamKey(first_id, "main"), StreamKey(first_id, "sub")}
        main = specs[StreamKey(first_id, "main")]
        assert main.url == "rtsp://127.0.0.1:9/kr1"
        assert (main.username, main.password) == ("viewer", "pw-karon")
        assert (main.transport, main.pull_mode) == ("udp", "on_demand")
        assert "pw-karon" not in repr(main)

        # a change published from another thread (as a sync route does) is followed
        def add_third() -> int:
            with db.session() as session:
                cam = create_camera(
                    session,
                    CameraCreate(
                        code="KR-3",
                        name_en="Viewpoint",
                        agency_id=agency_id,
                        main_url="rtsp://127.0.0.1:9/kr3",
                        pull_mode="on_demand",
                    ),
                    POLICY,
                )
                retire_camera(session, first_id)
                cam_id = cam.id
            events.publish("camera.changed", {"action": "created", "camera_ids": [cam_id]})
            return cam_id

        third = await asyncio.to_thread(add_third)
        await _until(lambda: {s.key for s in supervisor.specs()} == {StreamKey(third, "main")})
        assert sync.runs >= 2
    finally:
        await sync.stop()
    assert sync._task is None


async def test_sync_without_ingest_is_idle(
    parts: tuple[Database, InProcessEventBus, IngestSupervisor],
) -> None:
    db, events, _ = parts
    sync = CameraSync(db, events, lambda: None)
    await sync.start()
    await sync.stop()
    assert sync.runs == 0


async def test_on_demand_cameras_in_scope_are_pulled_always_during_an_emergency(
    parts: tuple[Database, InProcessEventBus, IngestSupervisor],
) -> None:
    """Agency A's on-demand camera (in scope) turns always at the declaration and back at the
    end (an event) and at expiry (no event: the sync wakes at ends_at); agency B's stays."""
    db, events, supervisor = parts
    with db.session() as session:
        ids: dict[str, int] = {}
        for code in ("PKT-A", "PKT-B"):
            agency = create_agency(
                session, AgencyCreate(code=code, kind="municipality", name_en=code)
            )
            cam = create_camera(
                session,
                CameraCreate(code=f"{code}-1", name_en=code, agency_id=agency.id,
                             main_url=f"rtsp://127.0.0.1:9/{code}", pull_mode="on_demand"),
                POLICY,
            )  # fmt: skip
            ids[code] = cam.id
            ids[f"{code}-agency"] = agency.id
    state: dict[str, Override | None] = {"now": None}
    sync = CameraSync(db, events, lambda: supervisor, resync_s=300, emergency=lambda: state["now"])

    def modes() -> dict[int, str]:
        return {s.key.camera_id: s.pull_mode for s in supervisor.specs()}

    def declared(seconds: float) -> Override:
        now = datetime.now(UTC)
        return Override(1, "active", now, now + timedelta(seconds=seconds), False,
                        agency_ids=frozenset({ids["PKT-A-agency"]}))  # fmt: skip

    await sync.start()
    try:
        assert modes() == {ids["PKT-A"]: "on_demand", ids["PKT-B"]: "on_demand"}
        state["now"] = declared(600)
        events.publish("emergency.changed", {"emergency_id": 1, "action": "declare"})
        await _until(lambda: modes()[ids["PKT-A"]] == "always")
        assert modes()[ids["PKT-B"]] == "on_demand"
        state["now"] = None  # ended
        events.publish("emergency.changed", {"emergency_id": 1, "action": "end"})
        await _until(lambda: modes()[ids["PKT-A"]] == "on_demand")
        state["now"] = declared(1.5)  # declared again, then left to expire
        events.publish("emergency.changed", {"emergency_id": 2, "action": "declare"})
        await _until(lambda: modes()[ids["PKT-A"]] == "always")
        await _until(lambda: modes()[ids["PKT-A"]] == "on_demand", timeout=10)
    finally:
        await sync.stop()
