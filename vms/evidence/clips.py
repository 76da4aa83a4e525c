"""What an export needs from recording: one clip of original bitstream per camera and range.

The export code depends only on `ClipSource`; the recording store (vms/recording) provides the
real one, tests a camsim-fed one. A source raises LookupError when nothing is recorded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from vms.recording.clips import ClipFile, write_clip
from vms.recording.clips import ClipSource as RecordedSegments

__all__ = ["ClipFile", "ClipSource", "RecordedClips"]


class ClipSource(Protocol):
    """Writes the recorded original bitstream of one camera stream over a range as MP4."""

    async def write_clip(
        self, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
    ) -> ClipFile:
        """Write the clip to `dest`; LookupError if nothing is recorded in the range."""
        ...


class RecordedClips:
    """The real clip source: the recording store's original bitstream, as MP4
    (`vms.recording.clips.write_clip`)."""

    def __init__(self, recordings: RecordedSegments) -> None:
        self._recordings = recordings

    async def write_clip(
        self, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
    ) -> ClipFile:
        return await write_clip(self._recordings, camera_id, stream, start, end, dest)
