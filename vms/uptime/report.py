"""The uptime report: per camera stream, per agency and for the whole site over a period,
computed from the recorded state changes (`stream_states`), with the duty coverage of the
police stations in it. The formats (JSON, CSV, XLSX, PDF) render this one structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.coverage import CoverageMonitor, DayCoverage
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.uptime.timeline import Outage, StateRow, Uptime, uptime

LONGEST = 10  # outages listed per agency
MAX_COVERAGE_DAYS = 31  # duty coverage is counted per local day; longer periods list the last 31


@dataclass(slots=True)
class StreamReport:
    """One camera stream in the period."""

    camera_id: int
    camera_code: str
    camera_name: str
    stream: str
    uptime: Uptime


@dataclass(slots=True)
class AgencyReport:
    """One agency: its streams, their sum, its longest outages, its stations' coverage."""

    agency_id: int
    code: str
    name_th: str | None
    name_en: str | None
    streams: list[StreamReport] = field(default_factory=list)
    total: Uptime = field(default_factory=Uptime)
    coverage: list[DayCoverage] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.name_th or self.name_en or self.code

    def longest_outages(self, n: int = LONGEST) -> list[tuple[StreamReport, Outage]]:
        pairs = [(s, o) for s in self.streams for o in s.uptime.outages]
        return sorted(pairs, key=lambda p: p[1].seconds, reverse=True)[:n]


@dataclass(slots=True)
class UptimeReport:
    """Every agency in scope over [start, end), and the site's total."""

    site_name: str
    start: datetime
    end: datetime
    generated_at: datetime
    timezone: str
    agencies: list[AgencyReport] = field(default_factory=list)
    total: Uptime = field(default_factory=Uptime)


_COLUMNS = (
    StreamStateChange.camera_id,
    StreamStateChange.stream,
    StreamStateChange.at,
    StreamStateChange.state,
    StreamStateChange.reason,
)


def _history(
    session: Session, camera_ids: Sequence[int], start: datetime, end: datetime
) -> dict[tuple[int, str], list[StateRow]]:
    """Per stream: its last change at or before `start`, then every change before `end`."""
    out: dict[tuple[int, str], list[StateRow]] = {}
    for chunk in _chunks(camera_ids, 500):
        last_before = (
            select(func.max(StreamStateChange.id))
            .where(StreamStateChange.camera_id.in_(chunk), StreamStateChange.at <= start)
            .group_by(StreamStateChange.camera_id, StreamStateChange.stream)
        )
        initial = select(*_COLUMNS).where(StreamStateChange.id.in_(last_before))
        during = (
            select(*_COLUMNS)
            .where(
                StreamStateChange.camera_id.in_(chunk),
                StreamStateChange.at > start,
                StreamStateChange.at < end,
            )
            .order_by(StreamStateChange.at, StreamStateChange.id)
        )
        for query in (initial, during):  # plain rows, not ORM objects: 48 000 a day for 1000
            for camera_id, stream, at, state, reason in session.execute(query):
                out.setdefault((camera_id, stream), []).append(StateRow(as_utc(at), state, reason))
    return out


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def build_report(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    agency_ids: Sequence[int] | None,
    now: datetime,
    site_name: str,
    coverage: CoverageMonitor | None = None,
) -> UptimeReport:
    """The report over [start, end) for `agency_ids` (None: every agency). Time after `now`
    has not happened yet and is left out. Blocking (SQL)."""
    start, end = as_utc(start), min(as_utc(end), as_utc(now))
    end = max(end, start)
    tz = coverage.tz if coverage is not None else ZoneInfo("UTC")
    report = UptimeReport(site_name, start, end, as_utc(now), str(tz))
    agencies_q = select(Agency).order_by(Agency.code)
    if agency_ids is not None:
        agencies_q = agencies_q.where(Agency.id.in_(agency_ids))
    agencies = {
        a.id: AgencyReport(a.id, a.code, a.name_th, a.name_en) for a in session.scalars(agencies_q)
    }
    cameras = session.scalars(
        select(Camera).where(Camera.agency_id.in_(agencies)).order_by(Camera.code)
    ).all()
    history = _history(session, [c.id for c in cameras], start, end)
    for camera in cameras:
        for stream in ("main", "sub"):
            rows = history.get((camera.id, stream))
            if rows is None:
                continue
            figures = uptime(rows, start, end)
            if figures.up_s == 0 and set(figures.causes) <= {"retired"}:
                continue  # retired (or not watched) the whole period: not part of the report
            agency = agencies[camera.agency_id]
            name = camera.name_th or camera.name_en or camera.code
            agency.streams.append(StreamReport(camera.id, camera.code, name, stream, figures))
            agency.total.add(figures)
    for agency in agencies.values():
        report.total.add(agency.total)
    if coverage is not None:
        _add_coverage(session, coverage, agencies, start, end, now)
    report.agencies = list(agencies.values())
    return report


def _add_coverage(
    session: Session,
    coverage: CoverageMonitor,
    agencies: dict[int, AgencyReport],
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    first = start.astimezone(coverage.tz).date()
    last = (
        (end - timedelta(microseconds=1)).astimezone(coverage.tz).date() if end > start else first
    )
    first = max(first, last - timedelta(days=MAX_COVERAGE_DAYS - 1))
    day = first
    while day <= last:
        for row in coverage.history(session, day, now):
            if row.agency_id in agencies:
                agencies[row.agency_id].coverage.append(row)
        day += timedelta(days=1)
