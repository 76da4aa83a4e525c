"""The `[site]` section: which site this process belongs to and how it names itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SiteConfig(BaseModel):
    """A site is every process sharing one Redis key prefix; each process is one node of it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "vms",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="The site's Redis key prefix (`<name>:`) for everything shared: events, "
        "sign-in throttle, PTZ sessions, nodes and camera leases. Two sites may share one Redis.",
    )
    node_name: str = Field(
        "",
        max_length=128,
        description="This process's name in the site (empty: server host:port).",
    )
    node_url: str = Field(
        "",
        max_length=512,
        pattern=r"^(https?://[^/?#\s]+)?$",
        description="Absolute base URL by which viewers and other nodes reach this process "
        "(empty: http://host:port); requests for its cameras are redirected here.",
    )
    capacity: float = Field(
        1.0, gt=0, le=1000, description="Relative share of the site's cameras this node pulls."
    )
    lease_ms: int = Field(
        5000,
        ge=1000,
        le=60_000,
        description="Camera lease time: a node that stops renewing loses its cameras after this.",
    )
    tick_ms: int = Field(
        500, ge=100, le=10_000, description="How often a node renews, heartbeats and rebalances."
    )

    def prefix(self) -> str:
        """The Redis key prefix of everything site-wide."""
        return f"{self.name}:"
