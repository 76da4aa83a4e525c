"""The PTZ driver interface: what the control plane asks of one camera's pan-tilt-zoom head.

Positions and speeds are in ONVIF's normalised spaces: pan and tilt -1..1, zoom 0..1 for
positions; -1..1 for continuous velocities and relative translations. A driver raises only the
domain errors below (never a library's own exception), so a route can answer a 4xx that names
the problem, and never hangs: every camera call is bounded by the driver's own timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from vms.errors import VmsError

MoveMode = Literal["continuous", "relative", "absolute"]


class PtzUnsupported(VmsError):
    """The camera does not offer this operation (read from its capabilities)."""

    status_code = 422
    code = "ptz_unsupported"


class CameraUnreachable(VmsError):
    """The camera's control service did not answer in time or refused the connection."""

    status_code = 424
    code = "camera_unreachable"


class CameraAuthFailed(VmsError):
    """The camera refused the stored credentials (wrong password, or a clock it rejects)."""

    status_code = 424
    code = "camera_auth_failed"


class CameraFault(VmsError):
    """The camera answered with an error of its own (a SOAP fault, an out-of-range value)."""

    status_code = 424
    code = "camera_fault"


@dataclass(frozen=True, slots=True)
class PtzCapabilities:
    """What the camera says it can do; operations not listed are refused before any call."""

    continuous: bool
    relative: bool
    absolute: bool
    presets: bool
    home: bool
    max_presets: int = 0

    def supports(self, operation: str) -> bool:
        """Whether `operation` (a move mode, "presets" or "home") is offered."""
        return bool(getattr(self, operation, False))


@dataclass(frozen=True, slots=True)
class PtzPosition:
    """Where the head points now (normalised), and whether it is moving."""

    pan: float
    tilt: float
    zoom: float
    moving: bool = False


@dataclass(frozen=True, slots=True)
class Preset:
    """A stored position, by the camera's own token."""

    token: str
    name: str
    position: PtzPosition | None = None


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """One move: continuous velocities (stopped after `timeout_s`), a relative step, or an
    absolute position."""

    mode: MoveMode
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    timeout_s: float | None = None


class PtzDriver(Protocol):
    """One camera's PTZ head. Implementations: `vms.ptz.onvif_driver.OnvifPtzDriver`."""

    async def capabilities(self) -> PtzCapabilities: ...

    async def position(self) -> PtzPosition: ...

    async def move(self, request: MoveRequest) -> None: ...

    async def stop(self) -> None: ...

    async def presets(self) -> list[Preset]: ...

    async def goto_preset(self, token: str) -> None: ...

    async def set_preset(self, token: str | None, name: str) -> str:
        """Store the current position; `token` None creates a new preset. Returns its token."""
        ...

    async def remove_preset(self, token: str) -> None: ...

    async def home(self) -> None: ...

    async def close(self) -> None: ...
