"""Agencies: `/api/v1/agencies`. Create, read, update, retire (DELETE retires)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from vms.access import require_global
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.auth.roles import Permission
from vms.db.models.registry import AgencyKind, AgencyState
from vms.inputs import MAX_INT
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
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
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
    """Add an agency (system administrator); 409 if its code is taken. Grants nothing by
    itself: a command center's provincial grant is given explicitly (`POST /api/v1/grants`)."""
    require_global(principal, Permission.MANAGE_CAMERAS)
    agency = agencies.create_agency(session, body)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "agency.create", detail={"target_agency_id": agency.id})
    )
    return AgencyOut.model_validate(agency)


@router.get("/{agency_id}")
def get_agency(agency_id: int, session: SessionDep, _principal: CurrentPrincipal) -> AgencyOut:
    """One agency."""
    return AgencyOut.model_validate(agencies.get_agency(session, agency_id))


@router.patch(
    "/{agency_id}",
    responses={
        403: {"description": "not a system administrator"},
        404: {"description": "no such agency"},
        409: {"description": "code taken, or retiring an agency that still has cameras"},
    },
)
def update_agency(
    agency_id: int,
    body: AgencyUpdate,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> AgencyOut:
    """Change the fields sent; system administrator only. An agency's code, kind, names and
    state decide rights and identity, so its own administrator changes none of them (403)."""
    require_global(principal, Permission.MANAGE_CAMERAS)
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
