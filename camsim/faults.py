"""Per-camera fault state: refusing connections (down), withholding packets (stall), and the
credentials a camera demands. Times are `time.monotonic()`; `math.inf` means until cleared."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from camsim.config import Credentials


@dataclass(slots=True)
class CameraFaults:
    """What is currently wrong with one camera (nothing, by default)."""

    refused_until: float = 0.0
    stalled_until: float = 0.0
    auth: Credentials | None = None

    def refusing(self, now: float | None = None) -> bool:
        """True while the camera is down: new requests get 503 and the connection closes."""
        return (time.monotonic() if now is None else now) < self.refused_until

    def stalled(self, now: float | None = None) -> bool:
        """True while the camera keeps its connections but sends no packets."""
        return (time.monotonic() if now is None else now) < self.stalled_until

    def refuse_for(self, seconds: float | None) -> None:
        """Refuse for `seconds` from now, or until `clear_refusal()` when None."""
        self.refused_until = until(seconds)

    def stall_for(self, seconds: float | None) -> None:
        """Stall for `seconds` from now, or until `clear_stall()` when None."""
        self.stalled_until = until(seconds)

    def clear_refusal(self) -> None:
        self.refused_until = 0.0

    def clear_stall(self) -> None:
        self.stalled_until = 0.0

    def describe(self, now: float | None = None) -> dict[str, object]:
        """JSON-friendly state for the control endpoint (never the password)."""
        now = time.monotonic() if now is None else now
        return {
            "down": self.refusing(now),
            "down_remaining_s": remaining(self.refused_until, now),
            "stalled": self.stalled(now),
            "stall_remaining_s": remaining(self.stalled_until, now),
            "auth": None
            if self.auth is None
            else {"user": self.auth.user, "method": self.auth.method},
        }


def until(seconds: float | None) -> float:
    """The monotonic deadline `seconds` from now (`math.inf` for None)."""
    if seconds is None:
        return math.inf
    if seconds < 0 or math.isnan(seconds):
        raise ValueError("seconds must be a non-negative number")
    return time.monotonic() + seconds


def remaining(deadline: float, now: float) -> float | None:
    """Seconds left before `deadline` (None when it never ends, 0 when passed)."""
    if math.isinf(deadline):
        return None
    return max(0.0, round(deadline - now, 3))
