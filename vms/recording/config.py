"""Settings of recording and playback: the `[recording]` section of the one typed config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RecordPolicy = Literal["central_link", "all", "none"]
StreamName = Literal["main", "sub"]


def _main_only() -> list[StreamName]:
    return ["main"]


class RecordingConfig(BaseModel):
    """What is recorded, where, in which pieces, and for how long it is kept."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run the recorder in this server process.")
    directory: str = Field(
        "var/recordings",
        description="The storage volume recordings are written under (one directory).",
    )
    continuous: RecordPolicy = Field(
        "central_link",
        description="Cameras recorded continuously: central_link (the national 20 % "
        "selection), all active cameras, or none.",
    )
    camera_codes: list[str] = Field(
        default_factory=list,
        description="Further cameras (by registry code) recorded continuously.",
    )
    streams: list[StreamName] = Field(
        default_factory=_main_only, description="Which streams of a camera are recorded."
    )
    segment_s: float = Field(
        60.0, ge=2, le=3600, description="Length of one recorded file (cut at a keyframe)."
    )
    fragment_s: float = Field(
        1.0,
        ge=0.2,
        le=10,
        description="Longest MP4 fragment; what a kill -9 can lose at most of the newest part.",
    )
    queue_packets: int = Field(
        3000,
        ge=100,
        le=1_000_000,
        description="The recorder's frame-bus queue per stream; an overflow is recorded as a gap.",
    )
    idle_close_s: float = Field(
        5.0, gt=0, le=300, description="No packet for this long: the segment is closed (a gap)."
    )
    drift_s: float = Field(
        1.5,
        gt=0,
        le=60,
        description="Wall clock and stream time apart by more than this: a new segment starts.",
    )
    retention_days: float = Field(
        30.0, gt=0, le=3650, description="Segments older than this are deleted (unless locked)."
    )
    max_bytes: int = Field(
        0,
        ge=0,
        description="Most bytes kept on the volume (0: no limit); the oldest unlocked "
        "segments go first.",
    )
    retention_interval_s: float = Field(
        60.0, gt=0, le=86400, description="How often retention runs."
    )
    max_play_s: float = Field(
        600.0, gt=0, le=86400, description="Longest playback window or listing range asked at once."
    )
    max_list_days: float = Field(
        31.0, gt=0, le=3650, description="Longest time range a recordings listing may ask for."
    )
