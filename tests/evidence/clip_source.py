"""A real ClipSource for tests: camsim's encoded test pattern (the bitstream a camsim camera
sends) remuxed by ffmpeg into MP4 without re-encoding, so exports hash genuine files.

It plays the recorder's part: footage exists for every camera from `recorded_since`, except
for the cameras in `unrecorded` (LookupError, as the real store raises).
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import threading
from datetime import datetime
from pathlib import Path

from camsim.encoder import EncodedLoop, LoopParams, encode_loop
from vms.access import as_utc
from vms.evidence.clips import ClipFile

FPS = 10
GOP = 10
MAX_FRAMES = 60  # tests ask for seconds; a clip is capped at this many frames


class PatternClipSource:
    """Writes `camera-N` test-pattern clips; one encoded loop per camera and stream."""

    def __init__(self, recorded_since: datetime, unrecorded: frozenset[int] = frozenset()):
        self.recorded_since = as_utc(recorded_since)
        self.unrecorded = unrecorded
        self._loops: dict[tuple[int, str], EncodedLoop] = {}
        self._lock = threading.Lock()
        self.calls: list[tuple[int, str, datetime, datetime]] = []

    def _loop(self, camera_id: int, stream: str) -> EncodedLoop:
        with self._lock:
            key = (camera_id, stream)
            if key not in self._loops:
                width, height = (320, 180) if stream == "main" else (160, 96)
                params = LoopParams(camera_id, stream, width, height, FPS, GOP, 2, 300)
                self._loops[key] = encode_loop(params)
            return self._loops[key]

    async def write_clip(
        self, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
    ) -> ClipFile:
        self.calls.append((camera_id, stream, start, end))
        if camera_id in self.unrecorded or as_utc(end) <= self.recorded_since:
            raise LookupError(f"camera {camera_id}: nothing recorded")
        return await asyncio.to_thread(self._write, camera_id, stream, start, end, dest)

    def _write(
        self, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
    ) -> ClipFile:
        loop = self._loop(camera_id, stream)
        seconds = (as_utc(end) - as_utc(start)).total_seconds()
        count = max(GOP, min(MAX_FRAMES, int(seconds * FPS)))
        raw = dest.with_suffix(".h264")
        with raw.open("wb") as out:
            for index in range(count):
                out.write(loop.frames[index % len(loop.frames)])
        subprocess.run(
            [
                "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                "-f", "h264", "-framerate", str(FPS), "-i", str(raw),
                "-c", "copy", "-movflags", "+faststart", str(dest),
            ],
            check=True,
            timeout=30,
            capture_output=True,
        )  # fmt: skip
        raw.unlink()
        data = dest.read_bytes()
        return ClipFile(dest, start, end, len(data), hashlib.sha256(data).hexdigest())
