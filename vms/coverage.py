"""Duty coverage: every police station keeps enough officers watching, around the clock.

A desk officer's wall sends a heartbeat every ~15 s; each marks the officer on watch for that
minute (`coverage_minutes`). The monitor re-counts every few seconds and raises
"coverage.below" when a station stays under its requirement longer than the grace period
("coverage.restored" when it recovers). History per station per day is counted from the
same minutes, so what the panel shows and what the report says agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.access_objects import AccessContext, require_keep_watch
from vms.auth.config import CoverageConfig
from vms.auth.principal import Principal
from vms.db.engine import Database
from vms.db.models.identity import CoverageMinute, CoverageRequirement
from vms.db.models.registry import Agency
from vms.events import EventBus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StationCoverage:
    """One station now: officers on watch against the requirement."""

    agency_id: int
    code: str
    name: str
    on_watch: int
    required: int
    below_since: datetime | None = None
    alerted: bool = False

    @property
    def below(self) -> bool:
        return self.on_watch < self.required


@dataclass(frozen=True, slots=True)
class DayCoverage:
    """Minutes a station was covered or below on one local day (up to now for today)."""

    agency_id: int
    code: str
    day: date
    required: int
    minutes_covered: int
    minutes_below: int


def minute_of(moment: datetime) -> datetime:
    return as_utc(moment).replace(second=0, microsecond=0)


def record_heartbeat(session: Session, principal: Principal, now: datetime) -> None:
    """Mark the principal on watch at its agency for the current minute."""
    require_keep_watch(AccessContext(principal, now))
    key = (principal.agency_id, minute_of(now), principal.user_id)
    row = session.get(CoverageMinute, key)
    if row is not None:
        row.last_seen = now
        session.flush()
        return
    try:
        with session.begin_nested():
            session.add(
                CoverageMinute(agency_id=key[0], minute=key[1], user_id=key[2], last_seen=now)
            )
    except IntegrityError:  # the same officer's other tab won the race; nothing to add
        pass


class CoverageMonitor:
    """Counts officers on watch per station and raises events when a station is short."""

    def __init__(self, config: CoverageConfig, db: Database, events: EventBus, tz: str) -> None:
        self.config = config
        self.db = db
        self.events = events
        self.tz = ZoneInfo(tz)
        self._below_since: dict[int, datetime] = {}
        self._alerted: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # whether this process speaks for the site: on a site of several nodes every node
        # follows the stations, one publishes (vms/site: the leader); set by Services
        self.announce: Callable[[], bool] = lambda: True

    def stations(self, session: Session) -> list[tuple[Agency, int]]:
        """Watched agencies with their requirement (per-agency override or the default)."""
        overrides = dict(
            (aid, required)
            for aid, required in session.execute(
                select(CoverageRequirement.agency_id, CoverageRequirement.required)
            )
        )
        agencies = session.scalars(
            select(Agency)
            .where(Agency.kind.in_(self.config.station_kinds), Agency.state == "active")
            .order_by(Agency.code)
        )
        return [(a, overrides.get(a.id, self.config.required_default)) for a in agencies]

    def current(self, session: Session, now: datetime) -> list[StationCoverage]:
        """Per station, officers whose last heartbeat is within the timeout."""
        cutoff = as_utc(now) - timedelta(seconds=self.config.heartbeat_timeout_s)
        counts = dict(
            session.execute(
                select(CoverageMinute.agency_id, func.count(func.distinct(CoverageMinute.user_id)))
                .where(
                    CoverageMinute.minute >= minute_of(cutoff),
                    CoverageMinute.last_seen >= cutoff,
                )
                .group_by(CoverageMinute.agency_id)
            ).all()
        )
        return [
            StationCoverage(
                agency_id=agency.id,
                code=agency.code,
                name=agency.name_en or agency.name_th or agency.code,
                on_watch=int(counts.get(agency.id, 0)),
                required=required,
                below_since=self._below_since.get(agency.id),
                alerted=agency.id in self._alerted,
            )
            for agency, required in self.stations(session)
        ]

    def history(
        self, session: Session, day: date, now: datetime, agency_id: int | None = None
    ) -> list[DayCoverage]:
        """Minutes covered and below per station on local `day` (only minutes already past)."""
        start = datetime.combine(day, time(0), self.tz).astimezone(UTC)
        end = min(start + timedelta(days=1), minute_of(now))
        elapsed = max(0, int((end - start).total_seconds() // 60))
        per_minute = (
            select(
                CoverageMinute.agency_id,
                CoverageMinute.minute,
                func.count(CoverageMinute.user_id).label("officers"),
            )
            .where(CoverageMinute.minute >= start, CoverageMinute.minute < end)
            .group_by(CoverageMinute.agency_id, CoverageMinute.minute)
        )
        if agency_id is not None:
            per_minute = per_minute.where(CoverageMinute.agency_id == agency_id)
        officers: dict[int, list[int]] = {}
        for aid, _minute, count in session.execute(per_minute):
            officers.setdefault(aid, []).append(int(count))
        out = []
        for agency, required in self.stations(session):
            if agency_id is not None and agency.id != agency_id:
                continue
            if required == 0:
                covered = elapsed
            else:
                covered = sum(1 for c in officers.get(agency.id, []) if c >= required)
            out.append(
                DayCoverage(agency.id, agency.code, day, required, covered, elapsed - covered)
            )
        return out

    def evaluate(self, now: datetime) -> list[StationCoverage]:
        """One pass: count, update below-since, publish events (if this process speaks for
        the site). Blocking (database)."""
        with self.db.session() as session:
            stations = self.current(session, now)
        speak = self.announce()
        grace = timedelta(seconds=self.config.grace_s)
        for station in stations:
            aid = station.agency_id
            if station.below:
                since = self._below_since.setdefault(aid, now)
                if aid not in self._alerted and now - since >= grace:
                    self._alerted.add(aid)
                    if not speak:
                        continue
                    self.events.publish(
                        "coverage.below",
                        {
                            "agency_id": aid,
                            "code": station.code,
                            "on_watch": station.on_watch,
                            "required": station.required,
                            "since": since.isoformat(),
                        },
                    )
                    log.warning(
                        "station %s below coverage: %d of %d on watch",
                        station.code,
                        station.on_watch,
                        station.required,
                    )
            else:
                self._below_since.pop(aid, None)
                if aid in self._alerted:
                    self._alerted.discard(aid)
                    if not speak:
                        continue
                    self.events.publish(
                        "coverage.restored",
                        {"agency_id": aid, "code": station.code, "on_watch": station.on_watch},
                    )
        return stations

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="coverage-monitor")

    async def stop(self) -> None:
        """Stop after the pass in flight (a database pass in a thread cannot be interrupted,
        and leaving it running would use the database after it is disposed)."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self.evaluate, datetime.now(UTC))
            except Exception:
                log.exception("coverage evaluation failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.check_interval_s)
