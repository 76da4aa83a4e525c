"""Duty coverage: officers' heartbeats, stations on watch now, daily history, requirements."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from vms.access import require_agency
from vms.access_objects import AccessContext, coverage_scope
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.coverage import record_heartbeat
from vms.db.models.identity import CoverageRequirement
from vms.db.models.registry import Agency
from vms.errors import NotFound
from vms.inputs import Day, InputModel

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"])


class StationOut(BaseModel):
    """One station now."""

    agency_id: int
    code: str
    name: str
    on_watch: int
    required: int
    below: bool
    below_since: datetime | None
    alerted: bool


class DayOut(BaseModel):
    """One station on one day: minutes covered and below."""

    agency_id: int
    code: str
    day: date
    required: int
    minutes_covered: int
    minutes_below: int


class RequirementIn(InputModel):
    """Officers a station must have on watch."""

    model_config = ConfigDict(extra="forbid")

    required: int = Field(ge=0, le=100)


def _scope(principal: Principal) -> int | None:
    """None: every station; otherwise only the caller's own agency."""
    return coverage_scope(AccessContext.of(principal))


@router.post("/heartbeat", status_code=204)
def heartbeat(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """The officer's wall is open and watched (sent every ~15 s by the wall)."""
    record_heartbeat(session, principal, datetime.now(UTC))
    return Response(status_code=204)


@router.get("")
def now(
    principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> list[StationOut]:
    """Per station, officers on watch now against the requirement."""
    scope = _scope(principal)
    stations = services.identity.coverage.current(session, datetime.now(UTC))
    return [
        StationOut(
            agency_id=s.agency_id,
            code=s.code,
            name=s.name,
            on_watch=s.on_watch,
            required=s.required,
            below=s.below,
            below_since=s.below_since,
            alerted=s.alerted,
        )
        for s in stations
        if scope is None or s.agency_id == scope
    ]


@router.get("/history")
def history(
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
    day: Day,
    agency_id: int | None = None,
) -> list[DayOut]:
    """Minutes covered / below per station on one day (site time zone)."""
    scope = _scope(principal)
    if scope is not None:
        if agency_id is not None and agency_id != scope:
            raise NotFound(f"agency {agency_id} not found")
        agency_id = scope
    rows = services.identity.coverage.history(session, day, datetime.now(UTC), agency_id)
    return [DayOut.model_validate(r, from_attributes=True) for r in rows]


@router.put("/requirements/{agency_id}", status_code=204)
def set_requirement(
    agency_id: int,
    body: RequirementIn,
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Set how many officers this station must keep on watch."""
    require_agency(
        principal, Permission.MANAGE_USERS, agency_id, not_found=f"agency {agency_id} not found"
    )
    if session.get(Agency, agency_id) is None:
        raise NotFound(f"agency {agency_id} not found")
    row = session.get(CoverageRequirement, agency_id)
    if row is None:
        session.add(CoverageRequirement(agency_id=agency_id, required=body.required))
    else:
        row.required = body.required
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(
            principal,
            "coverage.requirement",
            detail={"target_agency_id": agency_id, "required": body.required},
        )
    )
    return Response(status_code=204)
