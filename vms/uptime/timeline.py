"""Uptime of one stream over a period, from its recorded state changes (pure arithmetic).

Each moment of the period falls in one class:
- up: online;
- down, with a cause: offline, auth_failed (the camera refused our credentials), stalled,
  error (anything else that needs a person), retired; reconnecting ("starting") after a
  failure counts as that failure, so a camera down for 15 minutes is "offline" for 15
  minutes however its retries were timed;
- not measured: idle (an on-demand stream nobody watches), unknown (server not running,
  stream not pulled), starting when no failure came before (the server is connecting, as
  after its own start), and the time before the stream's first recorded change.
Availability is up / (up + down); a stream never measured in the period has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

UP_STATES = frozenset({"online"})
UNMEASURED_STATES = frozenset({"idle", "unknown", "starting"})
CAUSES = ("offline", "auth_failed", "stalled", "error", "retired")
_AUTH_REASONS = ("401", "403")


@dataclass(frozen=True, slots=True)
class StateRow:
    """A stream entered `state` at `at` (one row of stream_states)."""

    at: datetime
    state: str
    reason: str | None = None


def cause_of(state: str, reason: str | None) -> str | None:
    """The down cause of `state` (None: up or not measured)."""
    if state in UP_STATES or state in UNMEASURED_STATES:
        return None
    if state == "error":
        return "auth_failed" if reason and reason.startswith(_AUTH_REASONS) else "error"
    return state if state in CAUSES else "error"


@dataclass(slots=True)
class Outage:
    """A run of down time without an up (or unmeasured) moment in between."""

    start: datetime
    end: datetime
    causes: dict[str, float] = field(default_factory=dict)  # seconds per cause
    reasons: dict[str, str] = field(default_factory=dict)  # the first reason given per cause
    failure: str = "error"  # the latest failure cause: what reconnecting time counts as

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def cause(self) -> str:
        """The cause that took most of the outage."""
        return max(self.causes.items(), key=lambda kv: kv[1])[0] if self.causes else "error"

    @property
    def reason(self) -> str | None:
        """What the camera or ingest said about the main cause, in words a person can act on."""
        return self.reasons.get(self.cause)


@dataclass(slots=True)
class Uptime:
    """Seconds up, down (per cause) and not measured in a period, and the outages."""

    up_s: float = 0.0
    unmeasured_s: float = 0.0
    causes: dict[str, float] = field(default_factory=dict)
    outages: list[Outage] = field(default_factory=list)

    @property
    def down_s(self) -> float:
        return sum(self.causes.values())

    @property
    def measured_s(self) -> float:
        return self.up_s + self.down_s

    @property
    def availability(self) -> float | None:
        """Share of the measured time that was up, 0..1 (None: nothing measured)."""
        return self.up_s / self.measured_s if self.measured_s > 0 else None

    def add(self, other: Uptime) -> None:
        """Fold another stream's figures into these (outages are kept per stream)."""
        self.up_s += other.up_s
        self.unmeasured_s += other.unmeasured_s
        for cause, seconds in other.causes.items():
            self.causes[cause] = self.causes.get(cause, 0.0) + seconds


def uptime(rows: Iterable[StateRow], start: datetime, end: datetime) -> Uptime:
    """The uptime of one stream in [start, end): `rows` in time order, the first being the
    last change at or before `start` if there was one."""
    out = Uptime()
    state: str = "unknown"
    reason: str | None = None
    cursor = start
    outage: Outage | None = None

    def account(until: datetime) -> None:
        nonlocal outage
        seconds = (until - cursor).total_seconds()
        if seconds <= 0:
            return
        cause = cause_of(state, reason)
        if state == "starting" and outage is not None:
            cause = outage.failure  # reconnecting after a failure is still that failure
        if cause is None:
            if state in UP_STATES:
                out.up_s += seconds
            else:
                out.unmeasured_s += seconds
            if outage is not None:
                out.outages.append(outage)
                outage = None
            return
        out.causes[cause] = out.causes.get(cause, 0.0) + seconds
        if outage is None:
            outage = Outage(cursor, until)
        outage.end = until
        outage.causes[cause] = outage.causes.get(cause, 0.0) + seconds
        outage.failure = cause
        if reason:
            outage.reasons.setdefault(cause, reason)

    for row in rows:
        if row.at >= end:
            break
        if row.at > cursor:
            account(row.at)
            cursor = row.at
        state, reason = row.state, row.reason
    account(end)
    if outage is not None:
        out.outages.append(outage)
    return out
