"""Settings of the WebRTC/WHEP relay. Part of the one typed config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IceServer(BaseModel):
    """A STUN or TURN server offered to viewers behind NAT."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(description="stun:/turn: URLs of the server.")
    username: str | None = Field(None, description="TURN user name, if the server needs one.")
    credential: str | None = Field(None, description="TURN password; never returned by the API.")


class RelayConfig(BaseModel):
    """How viewers are served over WebRTC."""

    model_config = ConfigDict(extra="forbid")

    ice_interfaces: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="Local addresses offered as ICE host candidates; no other address is listed.",
    )
    ice_servers: list[IceServer] = Field(
        default_factory=list,
        description="STUN/TURN servers for sites behind NAT (none by default).",
    )
    max_sessions: int = Field(1000, ge=1, description="Viewer sessions the server accepts at once.")
    max_sessions_per_user: int = Field(64, ge=1, description="Viewer sessions one user may hold.")
    max_sessions_per_address: int = Field(
        128, ge=1, description="Viewer sessions one client address may hold."
    )
    connect_timeout_s: float = Field(
        15.0, gt=0, description="A session whose ICE has not connected by then is reaped."
    )
    start_wait_s: float = Field(
        4.0,
        gt=0,
        le=30,
        description="How long a new viewer waits for a camera's first picture before a 503.",
    )
    max_transcoders: int = Field(
        4, ge=0, description="Streams converted to H.264 at once (H.265, MJPEG); beyond that: 503."
    )
