"""What the control plane tells ingest to pull: one `StreamSpec` per camera stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ingest.packet import StreamKey

PullMode = Literal["always", "on_demand"]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One camera stream to pull. `url` carries no credentials; they travel apart and are only
    joined to the URL inside the worker, at open time, never logged."""

    key: StreamKey
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    transport: Literal["tcp", "udp"] | None = None  # None: the configured default
    pull_mode: PullMode = "always"
