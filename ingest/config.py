"""Settings of the ingest layer (camera pull, frame bus). Part of the one typed config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingest.url_policy import DEFAULT_NETWORKS, CameraUrlPolicy, Network, parse_networks


class IngestConfig(BaseModel):
    """How cameras are pulled and how the frame bus buffers for subscribers."""

    model_config = ConfigDict(extra="forbid")

    rtsp_transport: Literal["tcp", "udp"] = Field(
        "tcp", description="Default RTSP transport; a camera may override it."
    )
    connect_timeout_s: float = Field(
        5.0, gt=0, le=120, description="Give up opening a camera stream after this many seconds."
    )
    stall_timeout_s: float = Field(
        5.0,
        gt=0,
        le=300,
        description="No packet for this long: the stream is stalled and reconnected.",
    )
    backoff_initial_s: float = Field(
        0.5, gt=0, le=60, description="First wait before reconnecting a failed stream."
    )
    backoff_max_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Longest wait between reconnects (capped exponential, jittered).",
    )
    subscriber_queue_packets: int = Field(
        120,
        ge=8,
        le=10_000,
        description="Packets a subscriber may lag before it skips to the next keyframe.",
    )
    gop_cache_max_packets: int = Field(
        600,
        ge=1,
        le=10_000,
        description="Upper bound on packets kept from the latest GOP for new subscribers.",
    )
    on_demand_idle_s: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="An on-demand stream keeps pulling this long after its last consumer left.",
    )
    stop_timeout_s: float = Field(
        10.0,
        gt=0,
        le=120,
        description="How long stopping waits for a worker thread before leaving it to exit alone.",
    )
    shards: int = Field(
        1,
        ge=0,
        le=64,
        description=(
            "Pull cameras in child processes (at least this many; more as streams_per_shard "
            "requires) instead of threads of the server process; 0 keeps them in process."
        ),
    )
    streams_per_shard: int = Field(
        25,
        ge=1,
        le=1000,
        description="Most camera streams one ingest child process pulls (when shards > 0).",
    )
    allowed_schemes: list[str] = Field(
        default_factory=lambda: ["rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt"],
        description="URL schemes a camera may use; anything else (file:, pipe:, ...) is refused.",
    )
    camera_networks: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NETWORKS),
        description=(
            "Networks (CIDRs) the site's cameras are on; a camera URL whose host resolves "
            "elsewhere is refused when saved and when opened. Link-local and metadata "
            "addresses are refused always. The demo adds 127.0.0.0/8 for its simulated cameras."
        ),
    )

    @field_validator("camera_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return [str(net) for net in parse_networks(value)]

    def networks(self) -> tuple[Network, ...]:
        """`camera_networks` parsed."""
        return parse_networks(self.camera_networks)

    def url_policy(self) -> CameraUrlPolicy:
        """The camera URL policy these settings describe (without the server's own ports)."""
        return CameraUrlPolicy(tuple(self.allowed_schemes), self.networks())
