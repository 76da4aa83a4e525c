"""The segment writer on real H.264 and a real database: segments cut at keyframes on the wall
clock, a timestamp jump is a gap, a crash loses at most the last part and is a marked gap, and
a full disk (the kernel's ENOSPC, from /dev/full) is survived and recorded as a gap."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import vms.recording.segmenter as segmenter_module
from tests.recording.conftest import FPS, T0, PacketMaker, Rig
from vms.access import as_utc
from vms.db.models.recording import RecordingGap, RecordingSegment
from vms.recording import fmp4
from vms.recording.segmenter import Segmenter
from vms.recording.store import RecordingStore, ticks_to_time


def _rows(rig: Rig) -> list[RecordingSegment]:
    with rig.store.db.session() as session:
        return list(session.scalars(select(RecordingSegment).order_by(RecordingSegment.start)))


def _gaps(rig: Rig) -> list[RecordingGap]:
    with rig.store.db.session() as session:
        return list(session.scalars(select(RecordingGap).order_by(RecordingGap.start)))


def _utc(value: datetime) -> datetime:
    return as_utc(value)


def test_segments_are_cut_at_keyframes_and_follow_each_other(
    rig: Rig, packets: PacketMaker
) -> None:
    seg = Segmenter(rig.store, rig.camera_id, "main", rig.config)
    for p in packets(150):
        seg.feed(p)
    seg.close()
    rows = _rows(rig)
    assert [r.state for r in rows] == ["closed"] * 3  # 10 s in segments of 4 s
    t0 = ticks_to_time(int(T0 * 90_000))
    assert [_utc(r.start) for r in rows] == [t0 + timedelta(seconds=s) for s in (0, 4, 8)]
    assert _utc(rows[0].end) == _utc(rows[1].start) and _utc(rows[1].end) == _utc(rows[2].start)
    assert _utc(rows[2].end) == t0 + timedelta(seconds=10)
    assert rows[0].keyframes_ms == [0, 1000, 2000, 3000]
    assert (rows[0].width, rows[0].height) == (320, 180)
    total = 0
    for r in rows:
        path = rig.store.absolute(r.path)
        parsed = fmp4.parse(path.read_bytes())
        assert parsed.complete_bytes == r.bytes == path.stat().st_size
        total += len(parsed.samples)
        frames = subprocess.run(
            ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
             "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        assert int(frames.stdout) == len(parsed.samples)
    assert total == 150
    assert _gaps(rig) == []


def test_wall_clock_and_stream_time_apart_is_a_gap(rig: Rig, packets: PacketMaker) -> None:
    seg = Segmenter(rig.store, rig.camera_id, "main", rig.config)
    first = packets(30)  # 2 s
    # the camera rebooted: 10 s later its pts go on as if nothing happened (the ingest
    # normaliser bridges the jump), but the wall clock knows better
    later = packets(30, first=30, wall0=T0 + 12, pts0=30 * 90_000 // FPS)
    for p in first + later:
        seg.feed(p)
    seg.close()
    gaps = _gaps(rig)
    assert [g.reason for g in gaps] == ["timestamp jump"]
    t0 = ticks_to_time(int(T0 * 90_000))
    assert _utc(gaps[0].start) == t0 + timedelta(seconds=2)
    assert _utc(gaps[0].end) == t0 + timedelta(seconds=12)
    assert [_utc(r.start) for r in _rows(rig)] == [t0, t0 + timedelta(seconds=12)]


def test_a_crash_loses_at_most_the_last_part_and_is_a_marked_gap(
    rig: Rig, packets: PacketMaker
) -> None:
    seg = Segmenter(rig.store, rig.camera_id, "main", rig.config)
    for p in packets(40):  # 2.67 s: two whole fragments of 1 s written, the rest in memory
        seg.feed(p)
    assert seg.current is not None
    path = seg.current.path
    seg.current.file.close()  # the process dies here (kill -9): nothing more is written
    with path.open("ab") as f:
        f.write(b"\x00\x00\x01\x00moof-half-written")  # and the OS had part of a fragment
    store = RecordingStore(rig.store.db, rig.store.root)  # the next start
    assert store.recover_open() == 1
    (row,) = _rows(rig)
    t0 = ticks_to_time(int(T0 * 90_000))
    assert row.state == "closed" and _utc(row.end) == t0 + timedelta(seconds=2)
    parsed = fmp4.parse(path.read_bytes())
    assert path.stat().st_size == parsed.complete_bytes == row.bytes  # the torn tail is cut
    assert len(parsed.samples) == 30
    again = Segmenter(store, rig.camera_id, "main", rig.config)
    for p in packets(15, first=45, wall0=T0 + 20, pts0=45 * 6000):
        again.feed(p)
    again.close()
    (gap,) = _gaps(rig)
    assert gap.reason == "server restart"
    assert (_utc(gap.start), _utc(gap.end)) == (
        t0 + timedelta(seconds=2),
        t0 + timedelta(seconds=20),
    )


class _FullDisk(RecordingStore):
    """Every new segment is written to /dev/full (the kernel answers ENOSPC), through a
    symlink in the recordings directory."""

    full = True

    def new_path(self, camera_id: int, stream: str, start: object) -> str:  # type: ignore[override]
        if not self.full:
            return super().new_path(camera_id, stream, start)  # type: ignore[arg-type]
        link = self.root / "full.mp4"
        self.root.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to("/dev/full")
        return "full.mp4"

    def absolute(self, rel: str) -> Path:
        if rel == "full.mp4":
            return self.root / rel  # the symlink itself (unlinking it leaves /dev/full be)
        return super().absolute(rel)


def test_a_full_disk_is_survived_and_recorded_as_a_gap(
    rig: Rig, packets: PacketMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segmenter_module, "DISK_RETRY_S", 0.0)
    store = _FullDisk(rig.store.db, rig.store.root)
    store.full = False
    seg = Segmenter(store, rig.camera_id, "main", rig.config)
    stream = packets(120)  # 8 s; segments of 4 s
    for p in stream[:60]:
        seg.feed(p)
    store.full = True  # the next segment (from 4 s) meets a full disk
    for p in stream[60:90]:
        seg.feed(p)  # never raises
    assert seg.disk_full and seg.current is None
    assert Path("/dev/full").exists()
    store.full = False  # space again (retention ran)
    for p in stream[90:]:
        seg.feed(p)
    seg.close()
    assert not seg.disk_full
    t0 = ticks_to_time(int(T0 * 90_000))
    rows = _rows(rig)
    assert [(_utc(r.start), _utc(r.end)) for r in rows] == [
        (t0, t0 + timedelta(seconds=4)),
        (t0 + timedelta(seconds=6), t0 + timedelta(seconds=8)),
    ]
    for r in rows:  # what was written before and after is whole
        assert fmp4.parse(store.absolute(r.path).read_bytes()).complete_bytes == r.bytes
    gaps = _gaps(rig)
    print([(g.reason, g.start, g.end) for g in gaps])
    (gap,) = gaps
    assert gap.reason == "disk full"
    assert (_utc(gap.start), _utc(gap.end)) == (
        t0 + timedelta(seconds=4),
        rows[1].start.replace(tzinfo=t0.tzinfo),
    )


def test_paths_never_leave_the_recordings_directory(rig: Rig) -> None:
    with pytest.raises(ValueError, match="outside"):
        rig.store.absolute("../../etc/passwd")
    with pytest.raises(ValueError, match="outside"):
        rig.store.absolute("/etc/passwd")
