"""write_clip (the evidence workflow's way in): the original pictures of a range as MP4, from
the keyframe at or before `start`, with its real range, size and SHA-256; LookupError when
nothing is recorded there."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import av
import pytest

from tests.recording.conftest import T0, PacketMaker, Rig
from vms.recording.clips import write_clip
from vms.recording.fmp4 import annexb_to_avcc
from vms.recording.segmenter import Segmenter
from vms.recording.store import ticks_to_time


def _record(rig: Rig, packets: PacketMaker) -> None:
    seg = Segmenter(rig.store, rig.camera_id, "main", rig.config)
    for p in packets(150):  # 10 s, segments of 4 s
        seg.feed(p)
    seg.close()


async def test_clip_spans_segments_from_the_keyframe_before_start(
    rig: Rig, packets: PacketMaker, pictures: list[tuple[bytes, bool]], tmp_path: Path
) -> None:
    _record(rig, packets)
    t0 = ticks_to_time(int(T0 * 90_000))
    start, end = t0 + timedelta(seconds=3.5), t0 + timedelta(seconds=6.2)
    clip = await write_clip(rig.store, rig.camera_id, "main", start, end, tmp_path / "c.mp4")
    assert clip.start == t0 + timedelta(seconds=3)  # the keyframe at or before start
    assert end <= clip.end <= end + timedelta(seconds=0.07)
    data = clip.path.read_bytes()
    assert clip.bytes == len(data) and clip.sha256 == hashlib.sha256(data).hexdigest()
    with av.open(str(clip.path)) as container:
        got = [bytes(p) for p in container.demux(video=0) if p.size]
    # the very pictures the camera sent (3 s .. 6.2 s: 48 of them), in MP4 sample form
    assert len(got) == 48
    sent = [annexb_to_avcc(data) for data, _key in pictures[45:93]]
    assert got == sent  # the bytes the camera sent, no transcode


async def test_nothing_recorded_is_a_lookup_error(
    rig: Rig, packets: PacketMaker, tmp_path: Path
) -> None:
    _record(rig, packets)
    t0 = ticks_to_time(int(T0 * 90_000))
    with pytest.raises(LookupError):
        await write_clip(
            rig.store,
            rig.camera_id,
            "main",
            t0 + timedelta(seconds=20),
            t0 + timedelta(seconds=30),
            tmp_path / "none.mp4",
        )
    with pytest.raises(LookupError):
        await write_clip(
            rig.store, rig.camera_id, "sub", t0, t0 + timedelta(seconds=5), tmp_path / "s.mp4"
        )
