"""What an export needs from recording: one clip of original bitstream per camera and range.

The export code depends only on `ClipSource`; the recording store (vms/recording) provides the
real one, tests a camsim-fed one. A source raises LookupError when nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ClipFile:
    """An MP4 written by a clip source: where, which real time it covers, size and SHA-256."""

    path: Path
    start: datetime
    end: datetime
    bytes: int
    sha256: str


class ClipSource(Protocol):
    """Writes the recorded original bitstream of one camera stream over a range as MP4."""

    async def write_clip(
        self, camera_id: int, stream: str, start: datetime, end: datetime, dest: Path
    ) -> ClipFile:
        """Write the clip to `dest`; LookupError if nothing is recorded in the range."""
        ...
