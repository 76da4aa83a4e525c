"""Clips of recorded video: the original bitstream (no transcode) of a time range, as MP4.

`fmp4` (playback): fragmented MP4 whose decode times (`tfdt`) count 90 kHz ticks since the Unix
epoch, so a player (or a person with ffprobe) reads the wall-clock time of each picture, and
consecutive windows line up exactly. `mp4` (downloads, evidence): a plain MP4 (moov first)
starting at 0, its `creation_time` the wall-clock time of its first picture.

Both start at the keyframe at or before `start` (or the first one after it, when `start`
falls in a gap) and end with the last picture that begins before `end`. A window stops at a
change of resolution or codec parameters (one MP4 track has one description); the next window
asked from there goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import av

from vms.recording import fmp4
from vms.recording.store import SegmentRef, ticks_to_time, time_to_ticks

ClipFormat = Literal["fmp4", "mp4"]


class ClipSource(Protocol):
    """Where clips come from: `RecordingStore` (and `RecordingService`, which delegates)."""

    def segments_covering(
        self, camera_id: int, stream: str, start: datetime, end: datetime
    ) -> list[SegmentRef]: ...


@dataclass(frozen=True)
class ClipFile:
    """A clip written to disk: where, which wall-clock range it really covers, its size and
    SHA-256 (hex)."""

    path: Path
    start: datetime
    end: datetime
    bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Window:
    """The samples of a clip and the init segment they need."""

    init: bytes
    samples: list[fmp4.Sample]

    @property
    def start(self) -> datetime:
        return ticks_to_time(self.samples[0].time)

    @property
    def end(self) -> datetime:
        last = self.samples[-1]
        return ticks_to_time(last.time + last.duration)


def read_window(
    source: ClipSource, camera_id: int, stream: str, start: datetime, end: datetime
) -> Window:
    """The recorded pictures for [start, end). LookupError when nothing is recorded there.
    Blocking (SQL and file reads)."""
    first_tick, end_tick = time_to_ticks(start), time_to_ticks(end)
    init: bytes | None = None
    picked: list[fmp4.Sample] = []
    for seg in source.segments_covering(camera_id, stream, start, end):
        try:
            parsed = fmp4.parse(seg.path.read_bytes())
        except (OSError, fmp4.Fmp4Error):
            continue  # a broken or deleted file never blocks the others
        if init is not None and parsed.init != init:
            if picked:
                break  # new stream parameters: this window ends here
            init = None
        samples = parsed.samples
        if not samples:
            continue
        if not picked:
            if samples[-1].time + samples[-1].duration <= first_tick:
                continue  # ends before the window (a gap follows): start in a later one
            # start at the keyframe at or before `start`, or the first one after it
            begin = None
            for i, s in enumerate(samples):
                if s.keyframe and (s.time <= first_tick or begin is None):
                    begin = i
                if s.time > first_tick and begin is not None:
                    break
            if begin is None:
                continue
            samples = samples[begin:]
        init = parsed.init
        for s in samples:
            if s.time >= end_tick:
                break
            picked.append(s)
        if samples and samples[-1].time >= end_tick:
            break
    if init is None or not picked:
        raise LookupError(f"nothing recorded for camera {camera_id}/{stream} in that range")
    return Window(init, picked)


def encode_fmp4(window: Window) -> bytes:
    """The window as fragmented MP4, one fragment per GOP, epoch-based decode times."""
    out = bytearray(window.init)
    group: list[fmp4.Sample] = []
    sequence = 0
    for s in window.samples:
        if s.keyframe and group:
            sequence += 1
            out += fmp4.fragment(sequence, group)
            group = []
        group.append(s)
    if group:
        out += fmp4.fragment(sequence + 1, group)
    return bytes(out)


def mp4_file(window: Window, dest: Path) -> None:
    """Write the window as a plain MP4 (moov first) at `dest`, remuxed by FFmpeg without
    decoding (moving the moov to the front needs a real file)."""
    source = io.BytesIO(encode_fmp4(window))
    with av.open(source, "r", format="mp4") as inp:
        src = inp.streams.video[0]
        with av.open(str(dest), "w", format="mp4", options={"movflags": "faststart"}) as out:
            out.metadata["creation_time"] = window.start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            dst = out.add_stream_from_template(src)
            for packet in inp.demux(src):
                if packet.dts is None:
                    continue
                packet.stream = dst
                out.mux(packet)


def encode_mp4(window: Window) -> bytes:
    """The window as plain MP4 bytes (see `mp4_file`)."""
    with tempfile.TemporaryDirectory(prefix="vms-clip-") as tmp:
        path = Path(tmp) / "clip.mp4"
        mp4_file(window, path)
        return path.read_bytes()


def encode(window: Window, fmt: ClipFormat) -> bytes:
    return encode_fmp4(window) if fmt == "fmp4" else encode_mp4(window)


def _write_clip(
    source: ClipSource, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
) -> ClipFile:
    window = read_window(source, camera_id, stream, start, end)
    mp4_file(window, dest)
    digest = hashlib.sha256()
    with dest.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return ClipFile(dest, window.start, window.end, dest.stat().st_size, digest.hexdigest())


async def write_clip(
    store: ClipSource, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
) -> ClipFile:
    """Write the recorded original bitstream of [start, end) as an MP4 file at `dest`,
    starting at the keyframe at or before `start`. LookupError: nothing recorded there.
    For evidence exports: `write_clip(services.recordings, ...)`."""
    return await asyncio.to_thread(_write_clip, store, camera_id, stream, start, end, dest)
