"""Sharing agreements between agencies: list, create, revoke (effective at once)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.db.models.identity import Grant
from vms.inputs import InputModel, Moment
from vms.sharing import GrantSpec, Level

router = APIRouter(prefix="/api/v1/grants", tags=["sharing"])


class GrantIn(InputModel):
    """What to share: owner (null = every agency, system administrator only), grantee, target
    (one camera, one tag, or neither for all cameras), level, optional hours and expiry."""

    model_config = ConfigDict(extra="forbid")

    owner_agency_id: int | None
    grantee_agency_id: int
    level: Level
    camera_id: int | None = None
    tag: str | None = Field(None, min_length=1, max_length=64)
    hours_start: str | None = Field(None, description="Daily window start, HH:MM site time.")
    hours_end: str | None = Field(None, description="Daily window end, HH:MM (may wrap).")
    expires_at: Moment | None = None
    note: str = Field("", max_length=500)


class GrantOut(BaseModel):
    """A grant as shown to its owner and grantee."""

    id: int
    owner_agency_id: int | None
    grantee_agency_id: int
    level: str
    camera_id: int | None
    tag: str | None
    hours_start: str | None
    hours_end: str | None
    expires_at: datetime | None
    note: str
    created_at: datetime
    revoked_at: datetime | None


def _out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.id,
        owner_agency_id=grant.owner_agency_id,
        grantee_agency_id=grant.grantee_agency_id,
        level=grant.level,
        camera_id=grant.camera_id,
        tag=grant.tag,
        hours_start=grant.hours_start,
        hours_end=grant.hours_end,
        expires_at=grant.expires_at,
        note=grant.note,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
    )


def _audit_detail(grant: Grant) -> dict[str, object]:
    return {
        "grant_id": grant.id,
        "owner_agency_id": grant.owner_agency_id,
        "grantee_agency_id": grant.grantee_agency_id,
        "level": grant.level,
        "camera_id": grant.camera_id,
        "tag": grant.tag,
    }


@router.get("")
def grants(
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
    include_revoked: bool = False,
) -> list[GrantOut]:
    """Grants given or received by the caller's agency (every grant for global roles)."""
    rows = services.identity.sharing.list_for(session, principal, include_revoked=include_revoked)
    return [_out(g) for g in rows]


@router.post("", status_code=201)
def create(
    body: GrantIn, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> GrantOut:
    """Share cameras with another agency."""
    sharing = services.identity.sharing
    grant = sharing.create(session, principal, GrantSpec(**body.model_dump()))
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "grant.create", detail=_audit_detail(grant))
    )
    sharing.announce(grant)
    return _out(grant)


@router.get("/{grant_id}")
def one(
    grant_id: int, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> GrantOut:
    """One grant the caller's agency gives or receives."""
    return _out(services.identity.sharing.get(session, principal, grant_id))


@router.delete("/{grant_id}", status_code=204)
def revoke(
    grant_id: int, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> Response:
    """Revoke now: running views that relied on it end within a second."""
    sharing = services.identity.sharing
    grant = sharing.revoke(session, principal, grant_id)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "grant.revoke", detail=_audit_detail(grant))
    )
    sharing.announce(grant)
    return Response(status_code=204)
