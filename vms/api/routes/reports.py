"""Uptime reports: per camera stream, agency and site over a period, as JSON, CSV, XLSX or PDF."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from vms.access import report_scope
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.db.models.registry import Agency
from vms.errors import InvalidInput, NotFound
from vms.inputs import Day, Moment
from vms.uptime.formats import MEDIA_TYPES, to_csv, to_pdf, to_xlsx
from vms.uptime.report import AgencyReport, UptimeReport, build_report
from vms.uptime.timeline import Outage, Uptime

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Format = Literal["json", "csv", "xlsx", "pdf"]


class FiguresOut(BaseModel):
    """Seconds up, down (per cause) and not measured; availability 0..100 (null: unmeasured)."""

    availability_pct: float | None
    up_s: float
    down_s: float
    unmeasured_s: float
    causes: dict[str, float]


class OutageOut(BaseModel):
    """One outage: from, to, main cause, what the camera or ingest said."""

    camera_id: int
    camera_code: str
    stream: str
    start: datetime
    end: datetime
    seconds: float
    cause: str
    reason: str | None


class StreamOut(BaseModel):
    """One camera stream in the period."""

    camera_id: int
    camera_code: str
    camera_name: str
    stream: str
    figures: FiguresOut


class CoverageDayOut(BaseModel):
    """A police station's duty coverage on one local day."""

    day: str
    required: int
    minutes_covered: int
    minutes_below: int


class AgencyOut(BaseModel):
    """One agency: total, streams, longest outages, duty coverage (stations only)."""

    agency_id: int
    code: str
    name_th: str | None
    name_en: str | None
    figures: FiguresOut
    streams: list[StreamOut]
    longest_outages: list[OutageOut]
    coverage: list[CoverageDayOut]


class UptimeOut(BaseModel):
    """The report: the period (the part already past), the site total, every agency in scope."""

    site_name: str
    start: datetime
    end: datetime
    generated_at: datetime
    timezone: str
    figures: FiguresOut
    agencies: list[AgencyOut]


def _figures(u: Uptime) -> FiguresOut:
    a = u.availability
    return FiguresOut(
        availability_pct=None if a is None else round(a * 100, 3),
        up_s=round(u.up_s, 3),
        down_s=round(u.down_s, 3),
        unmeasured_s=round(u.unmeasured_s, 3),
        causes={k: round(v, 3) for k, v in u.causes.items()},
    )


def _outage(camera_id: int, code: str, stream: str, o: Outage) -> OutageOut:
    return OutageOut(
        camera_id=camera_id, camera_code=code, stream=stream, start=o.start, end=o.end,
        seconds=round(o.seconds, 3), cause=o.cause, reason=o.reason,
    )  # fmt: skip


def _agency(a: AgencyReport) -> AgencyOut:
    return AgencyOut(
        agency_id=a.agency_id,
        code=a.code,
        name_th=a.name_th,
        name_en=a.name_en,
        figures=_figures(a.total),
        streams=[
            StreamOut(
                camera_id=s.camera_id,
                camera_code=s.camera_code,
                camera_name=s.camera_name,
                stream=s.stream,
                figures=_figures(s.uptime),
            )
            for s in a.streams
        ],
        longest_outages=[
            _outage(s.camera_id, s.camera_code, s.stream, o) for s, o in a.longest_outages()
        ],
        coverage=[
            CoverageDayOut(
                day=c.day.isoformat(),
                required=c.required,
                minutes_covered=c.minutes_covered,
                minutes_below=c.minutes_below,
            )
            for c in a.coverage
        ],
    )


def to_json(report: UptimeReport) -> UptimeOut:
    return UptimeOut(
        site_name=report.site_name,
        start=report.start,
        end=report.end,
        generated_at=report.generated_at,
        timezone=report.timezone,
        figures=_figures(report.total),
        agencies=[_agency(a) for a in report.agencies],
    )


def check_period(start: datetime, end: datetime, max_days: int) -> None:
    """InvalidInput naming what is wrong with the period."""
    for name, moment in (("start", start), ("end", end)):
        if moment.tzinfo is None:
            raise InvalidInput(f"{name}: give the time zone, e.g. 2026-12-01T00:00:00+07:00 or Z")
    if end <= start:
        raise InvalidInput("end must be after start")
    if end - start > timedelta(days=max_days):
        raise InvalidInput(f"the period may cover at most {max_days} days")


@router.get(
    "/uptime",
    response_model=UptimeOut,
    responses={
        200: {
            "description": "The report (JSON), or the file for format=csv, xlsx or pdf.",
            "content": {MEDIA_TYPES[f]: {} for f in ("csv", "xlsx", "pdf")},
        },
        403: {"description": "the caller's role reads no uptime reports"},
        404: {"description": "no such agency (or another agency's, for an agency administrator)"},
        422: {"description": "bad start, end or day (no time zone, end not after start, too long)"},
    },
)
def uptime_report(
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
    start: Moment | None = None,
    end: Moment | None = None,
    day: Day | None = None,
    agency_id: int | None = None,
    format: Format = "json",
) -> UptimeOut | Response:
    """Uptime per camera stream, agency and site in [start, end) (ISO 8601 with a time zone),
    or over one local `day` of the site instead (with neither: the site's today, in its time
    zone, whatever the caller's clock says), from the recorded state changes, with causes,
    the longest outages and the stations' duty coverage. An agency administrator gets their
    own agency's; the supervisor and system administrator any."""
    tz = services.identity.coverage.tz
    if day is None and start is None and end is None:
        day = datetime.now(tz).date()
    if day is not None:
        if start is not None or end is not None:
            raise InvalidInput("give either day, or start and end, not both")
        start = datetime.combine(day, time(0), tz)
        end = datetime.combine(day + timedelta(days=1), time(0), tz)
    if start is None or end is None:
        raise InvalidInput("start and end are required (ISO 8601 with a time zone), or day")
    check_period(start, end, services.settings.reports.max_period_days)
    scope = report_scope(principal, agency_id)
    if scope is not None and session.get(Agency, scope) is None:
        raise NotFound(f"agency {scope} not found")
    report = build_report(
        session,
        start=start,
        end=end,
        agency_ids=None if scope is None else [scope],
        now=datetime.now(UTC),
        site_name=services.settings.site_name,
        coverage=services.identity.coverage,
    )
    if format == "json":
        return to_json(report)
    render = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[format]
    first_day = report.start.astimezone(tz).date().isoformat()
    return Response(
        render(report),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="uptime-{first_day}.{format}"'},
    )
