"""A test supplement: an in-memory PTZ head implementing vms.ptz.driver.PtzDriver, so the
control plane's tests run without a camera. Not the product's driver (that speaks ONVIF)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vms.ptz.driver import MoveRequest, Preset, PtzCapabilities, PtzPosition, PtzUnsupported

FULL = PtzCapabilities(
    continuous=True, relative=True, absolute=True, presets=True, home=True, max_presets=8
)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass
class MemoryPtz:
    """Remembers every call; relative and absolute moves change the position at once."""

    caps: PtzCapabilities = FULL
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    moving: bool = False
    calls: list[tuple[str, object]] = field(default_factory=list)
    stored: dict[str, Preset] = field(default_factory=dict)
    closed: bool = False

    async def capabilities(self) -> PtzCapabilities:
        return self.caps

    async def position(self) -> PtzPosition:
        return PtzPosition(self.pan, self.tilt, self.zoom, self.moving)

    async def move(self, request: MoveRequest) -> None:
        if not self.caps.supports(request.mode):
            raise PtzUnsupported(f"no {request.mode} moves")
        self.calls.append(("move", request))
        if request.mode == "continuous":
            self.moving = True
        elif request.mode == "relative":
            self.pan = _clamp(self.pan + request.pan, -1, 1)
            self.tilt = _clamp(self.tilt + request.tilt, -1, 1)
            self.zoom = _clamp(self.zoom + request.zoom, 0, 1)
        else:
            self.pan, self.tilt, self.zoom = request.pan, request.tilt, request.zoom

    async def stop(self) -> None:
        self.calls.append(("stop", None))
        self.moving = False

    async def presets(self) -> list[Preset]:
        return list(self.stored.values())

    async def goto_preset(self, token: str) -> None:
        preset = self.stored.get(token)
        if preset is None or preset.position is None:
            raise PtzUnsupported(f"no preset {token}")
        self.calls.append(("goto", token))
        self.pan, self.tilt, self.zoom = (
            preset.position.pan,
            preset.position.tilt,
            preset.position.zoom,
        )

    async def set_preset(self, token: str | None, name: str) -> str:
        key = token or f"p{len(self.stored) + 1}"
        self.stored[key] = Preset(key, name, await self.position())
        self.calls.append(("set", key))
        return key

    async def remove_preset(self, token: str) -> None:
        self.stored.pop(token, None)
        self.calls.append(("remove", token))

    async def home(self) -> None:
        self.calls.append(("home", None))
        self.pan = self.tilt = self.zoom = 0.0

    async def close(self) -> None:
        self.closed = True
