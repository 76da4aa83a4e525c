"""A recordings store on a real database (SQLite and PostgreSQL) with one camera, and real
H.264 pictures to feed it as the frame bus would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ingest.packet import EncodedPacket
from tests.relay.harness import encode_packets
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.recording.config import RecordingConfig
from vms.recording.store import RecordingStore

FPS = 15
TICK = 90_000 // FPS
T0 = 1_796_000_000.0  # 2026-11-30: wall clock of the first picture


@dataclass
class Rig:
    store: RecordingStore
    camera_id: int
    config: RecordingConfig


@pytest.fixture(scope="session")
def pictures() -> list[tuple[bytes, bool]]:
    """150 pictures (10 s at 15 fps), a keyframe every second."""
    return encode_packets(150, fps=FPS, gop=FPS)


PacketMaker = Callable[..., list[EncodedPacket]]


@pytest.fixture
def packets(pictures: list[tuple[bytes, bool]]) -> PacketMaker:
    """`packets(n, first=0, wall0=T0, pts0=0)`: n pictures as EncodedPackets, arriving in real
    time from `wall0` with pts from `pts0` (90 kHz)."""

    def make(n: int, first: int = 0, wall0: float = T0, pts0: int = 0) -> list[EncodedPacket]:
        out = []
        for i in range(n):
            data, key = pictures[(first + i) % len(pictures)]
            out.append(
                EncodedPacket(
                    data,
                    pts0 + i * TICK,
                    Fraction(1, 90_000),
                    key,
                    "h264",
                    0.0,
                    wall0 + i / FPS,
                )
            )
        return out

    return make


def migrated(db_url: str) -> Database:
    """The database at `db_url` with the schema up to date (dispose it when done)."""
    engine = create_engine(db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return Database(db_url)


@pytest.fixture
def rig(db_url: str, tmp_path: Path) -> Iterator[Rig]:
    db = migrated(db_url)
    with db.session() as session:
        agency = Agency(code="REC", kind="municipality", name_en="Recorder town")
        session.add(agency)
        session.flush()
        camera = Camera(
            code="REC-1", agency_id=agency.id, name_en="Recorded", main_url="rtsp://127.0.0.1/x"
        )
        session.add(camera)
        session.flush()
        camera_id = camera.id
    config = RecordingConfig(directory=str(tmp_path / "rec"), segment_s=4.0, fragment_s=1.0)
    try:
        yield Rig(RecordingStore(db, tmp_path / "rec"), camera_id, config)
    finally:
        db.dispose()
