"""One stream's recorder on a real FrameBus and store (SQLite and PostgreSQL): joining a
stream mid-GOP with nothing cached, it waits for the first keyframe - not an overflow, no
gap, no error - and a real overflow is a gap exactly where the hole is."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC

from sqlalchemy import select

from ingest.frame_bus import FrameBus
from ingest.packet import StreamKey
from tests.recording.conftest import FPS, PacketMaker, Rig
from vms.db.models.recording import RecordingGap, RecordingSegment
from vms.recording.recorder import StreamRecorder


def _rows(rig: Rig) -> tuple[list[RecordingSegment], list[RecordingGap]]:
    with rig.store.db.session() as s:
        return list(s.scalars(select(RecordingSegment))), list(s.scalars(select(RecordingGap)))


async def test_joining_mid_gop_is_not_an_overflow(rig: Rig, packets: PacketMaker) -> None:
    rig.store.root.mkdir(parents=True, exist_ok=True)
    key = StreamKey(rig.camera_id, "main")
    bus = FrameBus()
    rec = StreamRecorder(key, bus, rig.store, rig.config, lambda _k: None)
    rec.start()
    await asyncio.sleep(0.05)  # subscribed before the camera sent anything: no cached GOP
    for p in packets(45, first=5, wall0=time.time()):  # from picture 5: mid-GOP, keyframe at 15
        bus.channel(key).publish(p)
        await asyncio.sleep(0)
    await asyncio.sleep(0.6)
    await rec.stop()
    assert rec.overflows == 0
    segments, gaps = _rows(rig)
    assert segments and gaps == []


async def test_a_real_overflow_is_still_a_marked_gap(rig: Rig, packets: PacketMaker) -> None:
    rig.store.root.mkdir(parents=True, exist_ok=True)
    key = StreamKey(rig.camera_id, "main")
    bus = FrameBus()
    config = rig.config.model_copy(update={"queue_packets": 100})
    rec = StreamRecorder(key, bus, rig.store, config, lambda _k: None)
    rec.start()
    await asyncio.sleep(0.05)
    wall0 = time.time()
    for p in packets(150, wall0=wall0):  # faster than the loop lets it read: 50 refused
        bus.channel(key).publish(p)
    await asyncio.sleep(0.6)
    for p in packets(30, first=150, wall0=wall0 + 10, pts0=150 * 6000):  # room again
        bus.channel(key).publish(p)
        await asyncio.sleep(0)
    await asyncio.sleep(0.6)
    await rec.stop()
    assert rec.overflows == 50
    segments, gaps = _rows(rig)
    # the hole is marked where it is: after picture 99, up to picture 150 it took up again at
    [gap] = gaps
    assert gap.reason == "recorder overflow"
    assert abs(gap.start.replace(tzinfo=UTC).timestamp() - (wall0 + 100 / FPS)) < 0.01
    assert abs(gap.end.replace(tzinfo=UTC).timestamp() - (wall0 + 10)) < 0.01
    for seg in segments:  # cut at the hole: no segment runs across it, hiding it
        assert seg.end <= gap.start or seg.start >= gap.end, (seg.start, seg.end)
