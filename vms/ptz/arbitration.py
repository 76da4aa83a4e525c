"""The arbitration rule, as pure functions: given the session a camera has now and a request,
what happens and what the session becomes. Both stores (vms.ptz.store) apply exactly these,
atomically, so one process and many agree.

One session per camera. A claim (an explicit take, or the implicit one every command makes) by
the holder renews it; by someone else it wins over a free or expired session, takes over from a
strictly lower priority at once, and is refused against an equal or higher priority or any
reservation. A reservation ignores priority until released or expired - except against the
governor's emergency command (a claim carrying `emergency_id`), which takes over every session
of a lower priority, reservations included. Only a priority at least the holder's may clear
someone else's session; `revoke` ends a session that a condition picks (the emergency's edges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

ClaimOutcome = Literal["taken", "renewed", "took_over", "refused"]
ReleaseOutcome = Literal["released", "cleared", "none", "refused"]


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a camera's control session, with what priority, until when (epoch seconds)."""

    user_id: int
    username: str
    agency_id: int
    priority: int
    until: float
    reserved: bool = False
    emergency_id: int | None = None
    """The emergency declaration this session was taken under (released at its end)."""

    def live(self, now: float) -> bool:
        return now < self.until

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Holder:
        return cls(
            user_id=int(data["user_id"]),
            username=str(data["username"]),
            agency_id=int(data["agency_id"]),
            priority=int(data["priority"]),
            until=float(data["until"]),
            reserved=bool(data.get("reserved", False)),
            emergency_id=int(data["emergency_id"]) if data.get("emergency_id") else None,
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A request for control: who, at which priority, for how long (seconds from now)."""

    user_id: int
    username: str
    agency_id: int
    priority: int
    hold_s: float
    reserve: bool = False
    emergency_id: int | None = None


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """What a claim did; `holder` is the session after it, `previous` the one it displaced
    (took_over) or that refused it (refused)."""

    outcome: ClaimOutcome
    holder: Holder
    previous: Holder | None = None


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    """What a release did; `previous` is the session it ended or that refused it."""

    outcome: ReleaseOutcome
    previous: Holder | None = None


def claim(current: Holder | None, request: Claim, now: float) -> ClaimResult:
    """The outcome of `request` against the camera's session `current` at `now`."""
    live = current if current is not None and current.live(now) else None
    until = now + request.hold_s
    if live is not None and live.user_id == request.user_id:
        if live.reserved and not request.reserve:
            # a command inside one's own reservation keeps the reservation (and its end)
            until = max(live.until, until)
        renewed = Holder(
            request.user_id,
            request.username,
            request.agency_id,
            request.priority,
            until,
            live.reserved or request.reserve,
            request.emergency_id,
        )
        return ClaimResult("renewed", renewed)
    mine = Holder(
        request.user_id,
        request.username,
        request.agency_id,
        request.priority,
        until,
        request.reserve,
        request.emergency_id,
    )
    if live is None:
        return ClaimResult("taken", mine)
    reservation_holds = live.reserved and request.emergency_id is None
    if reservation_holds or request.priority <= live.priority:
        return ClaimResult("refused", live, live)
    return ClaimResult("took_over", mine, live)


def release(current: Holder | None, user_id: int, priority: int, now: float) -> ReleaseResult:
    """End the session: the holder always may; someone else only with a priority at least the
    holder's (that is how a reservation is cleared)."""
    if current is None or not current.live(now):
        return ReleaseResult("none")
    if current.user_id == user_id:
        return ReleaseResult("released", current)
    if priority >= current.priority:
        return ReleaseResult("cleared", current)
    return ReleaseResult("refused", current)


def revoke(current: Holder | None, should: Callable[[Holder], bool], now: float) -> ReleaseResult:
    """End the live session if `should(session)` says so (checked on the session as it is at
    the atomic step, so a claim that came in between is never ended by mistake)."""
    if current is None or not current.live(now):
        return ReleaseResult("none")
    if not should(current):
        return ReleaseResult("none", current)  # kept as it is
    return ReleaseResult("cleared", current)
