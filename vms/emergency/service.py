"""Declaring, confirming, extending and ending an emergency; the declaration in force, cached.

Every change takes one lock (a PostgreSQL advisory lock, SQLite's write lock), checks the
state, writes the row and its audit record in the caller's unit of work, and - once committed -
`announce` publishes "emergency.changed" (every process drops its cached override at once; the
cache also lives at most `cache_s`, so a lost event costs under a second) and "access.changed"
(running live views are re-decided). Expiry is never written: it is `now >= ends_at`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vms.access import as_utc, require_emergency_command
from vms.audit import AuditEntry, AuditTrail
from vms.auth.principal import Principal
from vms.bus_listener import BusListener
from vms.db.engine import Database
from vms.db.models.emergency import EmergencyDeclaration
from vms.db.models.registry import Agency
from vms.emergency.config import EmergencyConfig
from vms.emergency.override import Override
from vms.errors import Conflict, Forbidden, InvalidInput
from vms.events import EventBus, EventSubscription

log = logging.getLogger(__name__)

TOPIC = "emergency.changed"
ACCESS_TOPIC = "access.changed"
CACHE_S = 0.5
COMMAND_CENTER_KIND = "command_center"
_PG_LOCK_KEY = 0x5653_454D  # "VSEM": serialises emergency changes across processes
EmergencyType = Literal["natural_disaster", "terrorism", "other"]
OPEN_STATES = ("pending_confirmation", "active")


@dataclass(frozen=True, slots=True)
class Scope:
    """The whole province (`all`), or chosen agencies and/or camera tags."""

    all: bool = False
    agency_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        if self.all:
            return {"all": True}
        return {"agency_ids": list(self.agency_ids), "tags": list(self.tags)}


@dataclass(frozen=True, slots=True)
class DeclarationSpec:
    """What the governor's office asks for."""

    type: EmergencyType
    reason: str
    duration_s: int
    scope: Scope = field(default_factory=lambda: Scope(all=True))
    include_command_center: bool = False


Follow = Callable[[EmergencyDeclaration, datetime | None], object]
"""What changes with a declaration in its unit of work: (the row, its end before the change)."""


def effective_state(row: EmergencyDeclaration, now: datetime) -> str:
    """The state judged by time: active turns expired at `ends_at`, pending lapses."""
    if row.state == "active":
        running = row.ends_at is not None and as_utc(now) < as_utc(row.ends_at)
        return "active" if running else "expired"
    if row.state == "pending_confirmation":
        deadline = row.confirm_by
        return "pending_confirmation" if deadline and as_utc(now) < as_utc(deadline) else "lapsed"
    return row.state


def to_override(row: EmergencyDeclaration, command_centers: frozenset[int]) -> Override:
    scope = row.scope or {}
    return Override(
        id=row.id,
        state=row.state,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        scope_all=bool(scope.get("all")),
        agency_ids=frozenset(int(a) for a in scope.get("agency_ids", ())),
        tags=frozenset(str(t) for t in scope.get("tags", ())),
        include_command_center=row.include_command_center,
        command_center_agency_ids=command_centers,
    )


class EmergencyService:
    """Owns the declarations' rules and the per-process cache of the one in force."""

    def __init__(
        self,
        config: EmergencyConfig,
        db: Database,
        audit: AuditTrail,
        events: EventBus,
        *,
        cache_s: float = CACHE_S,
    ) -> None:
        self.config = config
        self.db = db
        self.audit = audit
        self.events = events
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._generation = 0
        self._cached: tuple[float, Override | None] | None = None
        self._listener = BusListener(
            events, "emergency.", self._invalidate_on_events, name="emergency-cache"
        )

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()

    async def _invalidate_on_events(self, sub: EventSubscription) -> None:
        while not sub.closed:
            if await sub.get() is not None:
                self.invalidate()

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None
            self._generation += 1

    # -- reading ---------------------------------------------------------------------------

    def override(self) -> Override | None:
        """The open declaration as the access decision sees it (cached; blocking on a miss)."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh[1]
        # one loader at a time: concurrent misses (every request after an event) wait for its
        # answer instead of each taking a second pooled connection
        with self._load_lock:
            fresh = self._fresh()
            if fresh is not None:
                return fresh[1]
            with self._lock:
                generation = self._generation
            try:
                with self.db.session() as session:
                    value = self._load_override(session)
            except Exception:
                log.exception("reading the emergency state failed; deciding without the override")
                return None
            with self._lock:
                if generation == self._generation:  # no change announced while we read
                    self._cached = (time.monotonic(), value)
            return value

    def _fresh(self) -> tuple[float, Override | None] | None:
        with self._lock:
            cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self.cache_s:
            return cached
        return None

    def _load_override(self, session: Session) -> Override | None:
        row = self.current(session, datetime.now(UTC))
        if row is None:
            return None
        centers = session.scalars(select(Agency.id).where(Agency.kind == COMMAND_CENTER_KIND))
        return to_override(row, frozenset(centers))

    def current(self, session: Session, now: datetime) -> EmergencyDeclaration | None:
        """The declaration pending confirmation or in force at `now`, if any."""
        rows = session.scalars(
            select(EmergencyDeclaration)
            .where(EmergencyDeclaration.state.in_(OPEN_STATES))
            .order_by(EmergencyDeclaration.id.desc())
            .limit(5)
        )
        for row in rows:
            if effective_state(row, now) in OPEN_STATES:
                return row
        return None

    def history(self, session: Session, limit: int = 200) -> list[EmergencyDeclaration]:
        stmt = select(EmergencyDeclaration).order_by(EmergencyDeclaration.id.desc()).limit(limit)
        return list(session.scalars(stmt))

    # -- changing --------------------------------------------------------------------------

    def declare(
        self, session: Session, principal: Principal, spec: DeclarationSpec, now: datetime
    ) -> EmergencyDeclaration:
        """A new declaration: active at once, or pending a second person's confirmation."""
        require_emergency_command(principal)
        reason = spec.reason.strip()
        if not reason:
            raise InvalidInput("reason: say why the emergency is declared (it is required)")
        self._check_duration(spec.duration_s)
        scope = self._check_scope(session, spec.scope)
        self._serialise(session)
        open_row = self.current(session, now)
        if open_row is not None:
            raise Conflict(
                f"emergency {open_row.id} is already {effective_state(open_row, now)}; "
                "extend or end it instead of declaring a second one"
            )
        row = EmergencyDeclaration(
            type=spec.type,
            scope=scope.as_json(),
            reason=reason,
            duration_s=spec.duration_s,
            include_command_center=spec.include_command_center,
            declared_by=principal.user_id,
            declared_at=now,
        )
        if self.config.require_confirmation:
            row.state = "pending_confirmation"
            row.confirm_by = now + timedelta(seconds=self.config.confirm_within_s)
        else:
            self._activate(row, now)
        session.add(row)
        session.flush()
        self._record(session, principal, "emergency.declare", row, now)
        return row

    def confirm(
        self, session: Session, principal: Principal, now: datetime
    ) -> EmergencyDeclaration:
        """The second person's confirmation: the pending declaration takes effect now."""
        require_emergency_command(principal)
        self._serialise(session)
        row = self.current(session, now)
        if row is None:
            raise Conflict("no emergency is waiting for confirmation")
        if row.state != "pending_confirmation":
            raise Conflict(f"emergency {row.id} is already active; nothing to confirm")
        if row.declared_by == principal.user_id:
            raise Forbidden(
                "the declarer cannot confirm their own declaration: a second authorised person must"
            )
        row.confirmed_by = principal.user_id
        self._activate(row, now)
        session.flush()
        self._record(session, principal, "emergency.confirm", row, now)
        return row

    def extend(
        self,
        session: Session,
        principal: Principal,
        duration_s: int,
        now: datetime,
        follow: Follow | None = None,
    ) -> EmergencyDeclaration:
        """Push the end `duration_s` further out (only while it has not ended or expired).
        `follow(row, old_end)` changes what follows the declaration (walls) in the same unit of
        work, after the declaration's lock and before its audit record (the lock order)."""
        require_emergency_command(principal)
        self._check_duration(duration_s)
        self._serialise(session)
        row = self.current(session, now)
        if row is None:
            raise Conflict(self._nothing_open(session, now, "extend"))
        total = self.config.max_total_s
        if row.duration_s + duration_s > total:
            raise InvalidInput(
                f"duration_s: extending by {duration_s} s would make this emergency last "
                f"{row.duration_s + duration_s} s in all, beyond the configured maximum of "
                f"{total} seconds; end it and declare a new one"
            )
        old_end = row.ends_at
        row.duration_s += duration_s
        if row.ends_at is not None:
            row.ends_at = as_utc(row.ends_at) + timedelta(seconds=duration_s)
        session.flush()
        if follow is not None:
            follow(row, old_end)
        self._record(session, principal, "emergency.extend", row, now, extended_by_s=duration_s)
        return row

    def end(
        self,
        session: Session,
        principal: Principal,
        now: datetime,
        follow: Follow | None = None,
    ) -> EmergencyDeclaration:
        """End it now: rights fall back to the sharing agreements at once (`follow` as for
        `extend`)."""
        require_emergency_command(principal)
        self._serialise(session)
        row = self.current(session, now)
        if row is None:
            raise Conflict(self._nothing_open(session, now, "end"))
        row.state = "ended"
        row.ended_at = now
        row.ended_by = principal.user_id
        session.flush()
        if follow is not None:
            follow(row, row.ends_at)
        self._record(session, principal, "emergency.end", row, now)
        return row

    def announce(self, row: EmergencyDeclaration, action: str) -> None:
        """After the commit: every process re-reads the state; live views are re-decided."""
        self.invalidate()
        data = {"emergency_id": row.id, "action": action, "state": row.state}
        self.events.publish(TOPIC, data)
        self.events.publish(ACCESS_TOPIC, {"reason": f"emergency.{action}", **data})

    # -- helpers ---------------------------------------------------------------------------

    def _activate(self, row: EmergencyDeclaration, now: datetime) -> None:
        row.state = "active"
        row.starts_at = now
        row.ends_at = now + timedelta(seconds=row.duration_s)

    def _check_duration(self, duration_s: int) -> None:
        limit = self.config.max_duration_s
        if duration_s <= 0:
            raise InvalidInput("duration_s: must be at least 1 second")
        if duration_s > limit:
            raise InvalidInput(
                f"duration_s: {duration_s} is beyond the configured maximum of {limit} seconds"
            )

    def _check_scope(self, session: Session, scope: Scope) -> Scope:
        if scope.all:
            if scope.agency_ids or scope.tags:
                raise InvalidInput("scope: give either all=true or agency_ids/tags, not both")
            return scope
        if not scope.agency_ids and not scope.tags:
            raise InvalidInput("scope: give all=true, or at least one agency id or camera tag")
        ids = sorted(set(scope.agency_ids))
        known = set(session.scalars(select(Agency.id).where(Agency.id.in_(ids))))
        missing = [a for a in ids if a not in known]
        if missing:
            raise InvalidInput(f"scope.agency_ids: no such agency {missing}")
        tags = tuple(sorted({t.strip() for t in scope.tags if t.strip()}))
        return Scope(all=False, agency_ids=tuple(ids), tags=tags)

    def _serialise(self, session: Session) -> None:
        if self.db.is_sqlite:
            session.execute(text("UPDATE emergency_declarations SET id = id WHERE 1 = 0"))
        else:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})

    def _nothing_open(self, session: Session, now: datetime, verb: str) -> str:
        last = session.scalars(
            select(EmergencyDeclaration).order_by(EmergencyDeclaration.id.desc()).limit(1)
        ).first()
        if last is None:
            return f"no emergency has been declared; nothing to {verb}"
        return f"emergency {last.id} has {effective_state(last, now)}; it cannot be {verb}ed"

    def _record(
        self,
        session: Session,
        principal: Principal,
        action: str,
        row: EmergencyDeclaration,
        now: datetime,
        **extra: Any,
    ) -> None:
        detail = {
            "emergency_id": row.id,
            "type": row.type,
            "scope": row.scope,
            "reason": row.reason,
            "state": row.state,
            "include_command_center": row.include_command_center,
            "ends_at": as_utc(row.ends_at).isoformat() if row.ends_at else None,
            **extra,
        }
        self.audit.append_in(session, AuditEntry.by(principal, action, detail=detail), now)
