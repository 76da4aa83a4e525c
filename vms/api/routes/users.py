"""User accounts: agency administrators manage their own agency's people."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.auth.roles import Role
from vms.auth.sessions import Authenticator
from vms.auth.users import UserSpec, create_user, get_user, list_users, update_user
from vms.db.models.identity import User
from vms.inputs import InputModel

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserIn(InputModel):
    """A new account."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    agency_id: int
    role: Role
    display_name: str = Field("", max_length=200)


class UserPatch(InputModel):
    """Changes to an account; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=1, max_length=256)
    current_password: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        description="Your current password: needed to change your own (not for a reset).",
    )


class UserOut(BaseModel):
    """An account as listed (never its password hash)."""

    id: int
    username: str
    display_name: str
    agency_id: int
    role: str
    active: bool
    created_at: datetime


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        role=user.role,
        active=user.active,
        created_at=user.created_at,
    )


@router.get("")
def users(principal: CurrentPrincipal, session: SessionDep) -> list[UserOut]:
    """Accounts the caller manages."""
    return [_out(u) for u in list_users(session, principal)]


@router.post("", status_code=201)
def create(
    body: UserIn, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> UserOut:
    """Create an account in an agency the caller manages."""
    spec = UserSpec(body.username, body.password, body.agency_id, body.role, body.display_name)
    user = create_user(session, spec, principal, run=services.identity.hashing.call)
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(
            principal,
            "user.create",
            detail={
                "target_user_id": user.id,
                "username": user.username,
                "role": user.role,
                "target_agency_id": user.agency_id,
            },
        )
    )
    return _out(user)


@router.get("/{user_id}")
def one(user_id: int, principal: CurrentPrincipal, session: SessionDep) -> UserOut:
    """One account (yourself, or one you manage)."""
    return _out(get_user(session, principal, user_id))


@router.patch("/{user_id}")
def change(
    user_id: int,
    body: UserPatch,
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
) -> UserOut:
    """Change role, state, name or password; sessions end when access shrinks."""
    user = get_user(session, principal, user_id)
    end_sessions = update_user(
        session,
        principal,
        user,
        role=body.role,
        active=body.active,
        display_name=body.display_name,
        password=body.password,
        current_password=body.current_password,
        run=services.identity.hashing.call,
    )
    own = user.id == principal.user_id and principal.via != "api_token"
    if body.password is not None:  # other sessions end; tokens made with the old one too
        Authenticator.revoke_all(session, user.id, keep=principal.credential_id if own else None)
        Authenticator.revoke_api_tokens(session, user.id)
    elif end_sessions:
        Authenticator.revoke_all(session, user.id)
    session.commit()
    services.events.publish("access.changed", {"user_id": user.id})  # running views re-decided
    secret = {"password", "current_password"}
    changed = sorted(k for k in body.model_dump(exclude_none=True) if k not in secret)
    if body.password is not None:
        changed.append("password")
    services.identity.audit.append(
        AuditEntry.by(
            principal,
            "user.update",
            detail={"target_user_id": user.id, "changed": changed, "sessions_ended": end_sessions},
        )
    )
    return _out(user)


@router.delete("/{user_id}", status_code=204)
def disable(
    user_id: int, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> Response:
    """Disable an account (kept for the audit trail) and end its sessions now."""
    user = get_user(session, principal, user_id)
    update_user(session, principal, user, active=False)
    Authenticator.revoke_all(session, user.id)
    session.commit()
    services.events.publish("access.changed", {"user_id": user.id})  # their live views end
    services.identity.audit.append(
        AuditEntry.by(principal, "user.disable", detail={"target_user_id": user.id})
    )
    return Response(status_code=204)
