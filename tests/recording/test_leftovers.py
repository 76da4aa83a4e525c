"""Segments a stopped process left open are closed by the one running, on a real database
(SQLite and PostgreSQL) with real torn MP4 files - but never one a live process writes: not
a camera another live node holds, not a segment written here, not one indexed lately."""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path

import pytest

from tests.recording.conftest import PacketMaker, Rig
from vms.db.models.recording import RecordingSegment
from vms.db.models.registry import Camera
from vms.recording.leftovers import HeldElsewhere, close_left_open, orphan_after_s
from vms.recording.segmenter import Segmenter

TORN = b"\x00\x00\x01\x00moof-half-written"


def _killed_mid_segment(rig: Rig, camera_id: int, packets: PacketMaker, wall0: float) -> int:
    """A segment being written when its process died: two whole fragments, a torn third."""
    seg = Segmenter(rig.store, camera_id, "main", rig.config)
    for p in packets(40, wall0=wall0):
        seg.feed(p)
    assert seg.current is not None
    seg.current.file.close()
    with seg.current.path.open("ab") as f:
        f.write(TORN)
    return seg.current.id


def _state(rig: Rig, segment_id: int) -> str:
    with rig.store.db.session() as s:
        row = s.get(RecordingSegment, segment_id)
        return row.state if row is not None else "gone"


def _file(rig: Rig, segment_id: int) -> Path:
    with rig.store.db.session() as s:
        row = s.get(RecordingSegment, segment_id)
        assert row is not None
        return rig.store.absolute(row.path)


def _second_camera(rig: Rig) -> int:
    with rig.store.db.session() as s:
        first = s.get(Camera, rig.camera_id)
        assert first is not None
        cam = Camera(code="REC-2", agency_id=first.agency_id, name_en="Second", main_url="rtsp://x")
        s.add(cam)
        s.flush()
        return cam.id


def _holding(cameras: set[int]) -> HeldElsewhere:
    async def held_elsewhere(asked: Collection[int]) -> set[int]:
        return cameras & set(asked)

    return held_elsewhere


async def test_at_start_all_but_those_another_live_node_holds(
    rig: Rig, packets: PacketMaker
) -> None:
    other = _second_camera(rig)
    mine = _killed_mid_segment(rig, rig.camera_id, packets, time.time() - 3)
    theirs = _killed_mid_segment(rig, other, packets, time.time() - 3)
    n = await close_left_open(rig.store, set, rig.config, _holding({other}), at_start=True)
    assert n == 1
    assert _state(rig, mine) == "closed"  # young, but this node's own crash: closed
    assert not _file(rig, mine).read_bytes().endswith(TORN)  # the torn tail cut
    assert _state(rig, theirs) == "open"  # a live node writes it


async def test_running_only_old_ones_nobody_writes(rig: Rig, packets: PacketMaker) -> None:
    other = _second_camera(rig)
    old = time.time() - orphan_after_s(rig.config) - 30
    orphan = _killed_mid_segment(rig, rig.camera_id, packets, old)
    young = _killed_mid_segment(rig, other, packets, time.time() - 3)
    written_here = _killed_mid_segment(rig, other, packets, old - 100)
    n = await close_left_open(
        rig.store, lambda: {written_here}, rig.config, _holding(set()), at_start=False
    )
    assert n == 1
    assert _state(rig, orphan) == "closed"
    assert _state(rig, young) == "open"  # indexed lately: it may have a writer
    assert _state(rig, written_here) == "open"


async def test_unknown_holders_leave_everything_open(rig: Rig, packets: PacketMaker) -> None:
    orphan = _killed_mid_segment(rig, rig.camera_id, packets, time.time() - 600)

    async def redis_down(_asked: Collection[int]) -> set[int]:
        raise ConnectionError("Redis unreachable")

    n = await close_left_open(rig.store, set, rig.config, redis_down, at_start=True)
    assert n == 0
    assert _state(rig, orphan) == "open"


@pytest.fixture(autouse=True)
def _recordings_dir(rig: Rig) -> None:
    rig.store.root.mkdir(parents=True, exist_ok=True)
