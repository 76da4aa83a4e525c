"""The audit trail: search (who watched our cameras?), CSV export, chain verification."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from vms.access_objects import AccessContext, AuditAction, require_audit
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditQuery, search, to_csv
from vms.auth.principal import Principal
from vms.db.models.identity import AuditRecord
from vms.inputs import Moment

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditOut(BaseModel):
    """One audit record."""

    seq: int
    at: datetime
    action: str
    outcome: str
    user_id: int | None
    username: str | None
    agency_id: int | None
    camera_id: int | None
    camera_agency_id: int | None
    client_addr: str | None
    detail: dict[str, Any]
    hash: str


class VerifyOut(BaseModel):
    """Result of walking the hash chain."""

    ok: bool
    checked: int
    first_broken: int | None
    reason: str


def audit_filters(
    user_id: int | None = None,
    agency_id: int | None = None,
    camera_id: int | None = None,
    action: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> AuditQuery:
    """The filters the search and its CSV export share (query parameters)."""
    return AuditQuery(user_id, agency_id, camera_id, action, since, until)


Filters = Annotated[AuditQuery, Depends(audit_filters)]


def _require(principal: Principal) -> None:
    require_audit(AccessContext.of(principal), AuditAction.READ)


def _out(r: AuditRecord) -> AuditOut:
    return AuditOut(
        seq=r.seq,
        at=r.at,
        action=r.action,
        outcome=r.outcome,
        user_id=r.user_id,
        username=r.username,
        agency_id=r.agency_id,
        camera_id=r.camera_id,
        camera_agency_id=r.camera_agency_id,
        client_addr=r.client_addr,
        detail=r.detail or {},
        hash=r.hash,
    )


Limit = Annotated[int, Query(ge=1, le=5000)]


@router.get("")
def records(
    principal: CurrentPrincipal,
    session: SessionDep,
    filters: Filters,
    limit: Limit = 500,
    before_seq: int | None = None,
) -> list[AuditOut]:
    """Records the caller may read, newest first, filtered by user, agency, camera, time."""
    _require(principal)
    q = replace(filters, limit=limit, before_seq=before_seq)
    return [_out(r) for r in search(session, principal, q)]


@router.get(
    "/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The records as CSV"}},
)
def export_csv(
    principal: CurrentPrincipal, session: SessionDep, filters: Filters, limit: Limit = 5000
) -> Response:
    """The same search as CSV for a spreadsheet (cells cannot run as formulas)."""
    _require(principal)
    return Response(
        to_csv(search(session, principal, replace(filters, limit=limit))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@router.get("/verify")
def verify(principal: CurrentPrincipal, services: ServicesDep) -> VerifyOut:
    """Walk the whole chain (supervisor and system administrator: it spans every agency)."""
    require_audit(AccessContext.of(principal, services.emergency.override()), AuditAction.VERIFY)
    result = services.identity.audit.verify()
    return VerifyOut(
        ok=result.ok, checked=result.checked, first_broken=result.first_broken, reason=result.reason
    )
