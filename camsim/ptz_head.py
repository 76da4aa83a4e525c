"""One simulated camera's pan-tilt-zoom head: its position, motion, presets and what it offers.

Positions are ONVIF's generic spaces (pan, tilt -1..1; zoom 0..1). A continuous move runs at
its velocity (1.0 = one unit per second) until stopped or its timeout; `advance()` integrates
it. Every command that moves the head counts in `moves`, which the picture stamps, so a viewer
can tell which command it is seeing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PtzFeatures:
    """What a simulated head offers (a camera without some of them refuses those commands)."""

    continuous: bool = True
    relative: bool = True
    absolute: bool = True
    max_presets: int = 32
    home: bool = True

    @classmethod
    def limited(cls) -> PtzFeatures:
        """A cheap head: continuous and absolute moves only, no presets, no home."""
        return cls(relative=False, max_presets=0, home=False)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass
class PtzHead:
    """Mutable head state; all methods run on the simulator's event loop."""

    features: PtzFeatures = field(default_factory=PtzFeatures)
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    moves: int = 0
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    until: float | None = None  # monotonic time a continuous move stops by itself
    presets: dict[str, tuple[str, float, float, float]] = field(default_factory=dict)
    home_position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _last: float = field(default_factory=time.monotonic)
    _next_token: int = 1

    @property
    def moving(self) -> bool:
        return self.velocity != (0.0, 0.0, 0.0)

    def position(self) -> tuple[float, float, float]:
        return self.pan, self.tilt, self.zoom

    def advance(self, now: float | None = None) -> bool:
        """Integrate a continuous move up to `now`; True if the position changed."""
        now = time.monotonic() if now is None else now
        last, self._last = self._last, now
        if not self.moving:
            return False
        end = now if self.until is None else min(now, self.until)
        dt = max(0.0, end - last)
        vp, vt, vz = self.velocity
        before = self.position()
        self._set(self.pan + vp * dt, self.tilt + vt * dt, self.zoom + vz * dt)
        if self.until is not None and now >= self.until:
            self.velocity, self.until = (0.0, 0.0, 0.0), None
        return self.position() != before

    def continuous(self, pan: float, tilt: float, zoom: float, timeout_s: float | None) -> None:
        self.advance()
        self.velocity = (_clamp(pan, -1, 1), _clamp(tilt, -1, 1), _clamp(zoom, -1, 1))
        self.until = None if timeout_s is None else time.monotonic() + timeout_s
        self.moves += 1

    def stop(self) -> None:
        self.advance()
        self.velocity, self.until = (0.0, 0.0, 0.0), None
        self.moves += 1

    def relative(self, pan: float, tilt: float, zoom: float) -> None:
        self.advance()
        self._set(self.pan + pan, self.tilt + tilt, self.zoom + zoom)
        self.moves += 1

    def absolute(self, pan: float, tilt: float, zoom: float) -> None:
        self.advance()
        self.velocity, self.until = (0.0, 0.0, 0.0), None
        self._set(pan, tilt, zoom)
        self.moves += 1

    def set_preset(self, token: str | None, name: str) -> str:
        """Store the current position; a new token when `token` is None. Raises KeyError for
        an unknown token and OverflowError when the head holds no more presets."""
        self.advance()
        if token is None:
            if len(self.presets) >= self.features.max_presets:
                raise OverflowError("too many presets")
            token = str(self._next_token)
            self._next_token += 1
        elif token not in self.presets:
            raise KeyError(token)
        self.presets[token] = (name or f"Preset {token}", *self.position())
        return token

    def goto_preset(self, token: str) -> None:
        _, pan, tilt, zoom = self.presets[token]
        self.absolute(pan, tilt, zoom)

    def remove_preset(self, token: str) -> None:
        del self.presets[token]

    def home(self) -> None:
        self.absolute(*self.home_position)

    def _set(self, pan: float, tilt: float, zoom: float) -> None:
        self.pan = _clamp(pan, -1.0, 1.0)
        self.tilt = _clamp(tilt, -1.0, 1.0)
        self.zoom = _clamp(zoom, 0.0, 1.0)
