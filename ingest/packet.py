"""What travels on the frame bus: encoded packets of one camera stream, and its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

StreamKind = Literal["main", "sub"]


@dataclass(frozen=True, slots=True)
class StreamKey:
    """Names one stream of one camera: `StreamKey(12, "sub")` prints as `12/sub`."""

    camera_id: int
    stream: StreamKind = "main"

    def __str__(self) -> str:
        return f"{self.camera_id}/{self.stream}"


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """Codec parameters of a stream as the camera sends it; replaced when they change."""

    codec: str  # FFmpeg codec name: "h264", "hevc", "mjpeg", ...
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    extradata: bytes | None = None  # H.264: Annex-B SPS/PPS when the camera gave them out of band
    profile: str | None = None
    reordered: bool = False  # B-frames: decode order is not presentation order


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One encoded access unit (a whole picture) as demuxed from the camera, never re-encoded.

    For H.264 `data` is Annex-B (start codes) and every keyframe carries its SPS/PPS in band,
    so any consumer can start decoding at a keyframe without looking elsewhere. `pts` is in
    `time_base` units and never goes backwards within a stream, across reconnects included.
    """

    data: bytes
    pts: int
    time_base: Fraction
    is_keyframe: bool
    codec: str
    received: float  # time.monotonic() when the ingest worker read it
    wallclock: float  # time.time() at the same moment
