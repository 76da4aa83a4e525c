"""Agencies: `/api/v1/agencies`. Create, read, update, retire (DELETE retires)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from vms.access import require_agency, require_global
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.auth.roles import Permission
from vms.db.models.registry import AgencyKind, AgencyState
from vms.registry import agencies
from vms.registry.schemas import AgencyCreate, AgencyOut, AgencyPage, AgencyUpdate

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])


@router.get("")
def list_agencies(
    session: SessionDep,
    _principal: CurrentPrincipal,
    kind: AgencyKind | None = None,
    state: AgencyState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AgencyPage:
    """Agencies ordered by code, optionally of one kind or state."""
    total, rows = agencies.list_agencies(
        session, kind=kind, state=state, limit=limit, offset=offset
    )
    items = [AgencyOut.model_validate(a) for a in rows]
    return AgencyPage(total=total, limit=limit, offset=offset, items=items)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agency(
    body: AgencyCreate, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> AgencyOut:
    """Add an agency; 409 if its code is taken. A command center gets the provincial grant."""
    require_global(principal, Permission.MANAGE_CAMERAS)
    agency = agencies.create_agency(session, body)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "agency.create", detail={"target_agency_id": agency.id})
    )
    services.identity.seed()
    return AgencyOut.model_validate(agency)


@router.get("/{agency_id}")
def get_agency(agency_id: int, session: SessionDep, _principal: CurrentPrincipal) -> AgencyOut:
    """One agency."""
    return AgencyOut.model_validate(agencies.get_agency(session, agency_id))


@router.patch("/{agency_id}")
def update_agency(
    agency_id: int,
    body: AgencyUpdate,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> AgencyOut:
    """Change the fields sent (an agency administrator: their own agency)."""
    missing = f"no agency with id {agency_id}"
    require_agency(principal, Permission.MANAGE_CAMERAS, agency_id, not_found=missing)
    agency = agencies.update_agency(session, agency_id, body)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "agency.update", detail={"target_agency_id": agency.id})
    )
    return AgencyOut.model_validate(agency)


@router.delete("/{agency_id}")
def retire_agency(
    agency_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> AgencyOut:
    """Retire (never delete) an agency; 409 while it has cameras that are not retired."""
    require_global(principal, Permission.MANAGE_CAMERAS)
    agency = agencies.retire_agency(session, agency_id)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "agency.retire", detail={"target_agency_id": agency.id})
    )
    return AgencyOut.model_validate(agency)
