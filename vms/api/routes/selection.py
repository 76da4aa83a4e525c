"""The 20 % selection report: `GET /api/v1/reports/central-link` (vms/recording/selection.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from vms.access import report_scope
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.db.models.registry import Agency
from vms.errors import NotFound
from vms.recording.selection import AgencyShare, SelectionReport, build_selection

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


class SuggestionOut(BaseModel):
    camera_id: int
    code: str
    name: str
    availability_pct: float | None = Field(
        description="Main stream over the period (null: unmeasured)."
    )
    nearest_linked_m: float | None = Field(
        description="Metres to the nearest camera linked or suggested before it (null: no "
        "position, or none linked yet)."
    )
    score: float = Field(description="Availability × spread, 0..1; the list is best first.")


class AgencyShareOut(BaseModel):
    agency_id: int
    code: str
    name_th: str | None
    name_en: str | None
    cameras: int = Field(description="Active cameras.")
    linked: int = Field(description="Of them central-linked.")
    pct: float | None
    needed: int = Field(description="More to link to reach the target (0: on target).")
    short: bool
    suggestions: list[SuggestionOut]


class SelectionOut(BaseModel):
    target_pct: float
    days: int
    cameras: int
    linked: int
    pct: float | None
    needed: int
    short_agencies: int
    agencies: list[AgencyShareOut]


def _share(a: AgencyShare) -> AgencyShareOut:
    return AgencyShareOut(
        agency_id=a.agency_id,
        code=a.code,
        name_th=a.name_th,
        name_en=a.name_en,
        cameras=a.cameras,
        linked=a.linked,
        pct=a.pct,
        needed=a.needed,
        short=a.needed > 0,
        suggestions=[
            SuggestionOut(
                camera_id=s.camera_id,
                code=s.code,
                name=s.name,
                availability_pct=None if s.availability is None else round(100 * s.availability, 2),
                nearest_linked_m=None if s.nearest_linked_m is None else round(s.nearest_linked_m),
                score=s.score,
            )
            for s in a.suggestions
        ],
    )


def to_json(report: SelectionReport, days: int) -> SelectionOut:
    return SelectionOut(
        target_pct=report.target_pct,
        days=days,
        cameras=report.cameras,
        linked=report.linked,
        pct=report.pct,
        needed=report.needed,
        short_agencies=sum(1 for a in report.agencies if a.needed),
        agencies=[_share(a) for a in report.agencies],
    )


@router.get(
    "/central-link",
    response_model=SelectionOut,
    responses={
        403: {"description": "the caller's role reads no reports"},
        404: {"description": "no such agency (or another agency's, for an agency administrator)"},
        422: {"description": "days out of range"},
    },
)
def central_link_report(
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
    agency_id: int | None = None,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> SelectionOut:
    """The national 20 % selection: per agency, its active cameras, how many are
    central-linked, how many more the target (`[reports] central_link_target_pct`) needs, and
    which cameras to add, best first by availability over the last `days` and by how far they
    are from the cameras already linked. The same readers as the uptime report: an agency
    administrator their own agency, the supervisor and the system administrator any."""
    scope = report_scope(principal, agency_id)
    if scope is not None and session.get(Agency, scope) is None:
        raise NotFound(f"agency {scope} not found")
    report = build_selection(
        session,
        now=datetime.now(UTC),
        target_pct=services.settings.reports.central_link_target_pct,
        days=days,
        agency_ids=None if scope is None else [scope],
        site_name=services.settings.site_name,
    )
    return to_json(report, days)
