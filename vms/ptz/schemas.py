"""Request and response bodies of the PTZ API (vms.api.routes.ptz)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vms.ptz.driver import MoveMode, PtzCapabilities, PtzPosition


class MoveIn(BaseModel):
    """One move in ONVIF's normalised spaces: pan and tilt -1..1; zoom 0..1 for an absolute
    position, -1..1 for a continuous speed or a relative step."""

    model_config = ConfigDict(extra="forbid")

    mode: MoveMode = Field(description="continuous (velocity), relative (step) or absolute.")
    pan: float = Field(0.0, ge=-1.0, le=1.0, description="Pan, -1 (left) .. 1 (right).")
    tilt: float = Field(0.0, ge=-1.0, le=1.0, description="Tilt, -1 (down) .. 1 (up).")
    zoom: float = Field(0.0, ge=-1.0, le=1.0, description="Zoom; 0..1 when absolute.")
    timeout_s: float | None = Field(
        None, gt=0, le=60, description="Continuous only: stop after this many seconds."
    )

    @model_validator(mode="after")
    def _ranges(self) -> MoveIn:
        if self.mode == "absolute" and not 0.0 <= self.zoom <= 1.0:
            raise ValueError("zoom must be 0..1 for an absolute move")
        if self.timeout_s is not None and self.mode != "continuous":
            raise ValueError("timeout_s applies to continuous moves only")
        return self


class SessionIn(BaseModel):
    """Take control; `reserve` makes it a maintenance reservation of `minutes`."""

    model_config = ConfigDict(extra="forbid")

    reserve: bool = Field(False, description="A reservation ignores priority until it ends.")
    minutes: int | None = Field(
        None, ge=1, le=10080, description="Reservation length (default from the [ptz] config)."
    )

    @model_validator(mode="after")
    def _minutes(self) -> SessionIn:
        if self.minutes is not None and not self.reserve:
            raise ValueError("minutes applies to a reservation (reserve: true) only")
        return self


class PresetIn(BaseModel):
    """Store the current position under a preset token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="What operators call it.")


class HolderOut(BaseModel):
    """Who holds a camera's control session."""

    user: str
    agency: int
    priority: int
    until: str = Field(description="When the session ends (ISO 8601, UTC) unless renewed.")
    reserved: bool = False


class PtzOut(BaseModel):
    """A camera's PTZ: what it can do, where it points, who holds control, and the caller's
    own standing (`control`: may they steer it; `priority`: theirs on it)."""

    camera_id: int
    capabilities: PtzCapabilities
    position: PtzPosition | None
    holder: HolderOut | None
    control: bool
    priority: int | None = None


class HeldOut(BaseModel):
    """After a command or a take: who holds control now."""

    holder: HolderOut | None
    outcome: Literal["taken", "renewed", "took_over"] | None = None
