"""Managing user accounts: an agency administrator manages only their own agency's users; the
system administrator manages everyone. Nobody can hand out a role above their own reach."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import require_agency
from vms.access_objects import (
    AccessContext,
    UserAction,
    decide_account_change,
    decide_role_grant,
    decide_user,
)
from vms.auth.passwords import check_strength, hash_password, verify_password
from vms.auth.principal import Principal
from vms.auth.roles import AGENCY_ASSIGNABLE as AGENCY_ASSIGNABLE  # its old home, re-exported
from vms.auth.roles import Permission, Role
from vms.db.models.identity import User
from vms.db.models.registry import Agency
from vms.errors import Conflict, Forbidden, InvalidInput, NotFound

_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A new account."""

    username: str
    password: str
    agency_id: int
    role: Role
    display_name: str = ""


def _direct(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise InvalidInput("username: 3-64 letters, digits, dot, dash or underscore")
    return username


def _check_role_reach(principal: Principal, role: Role) -> None:
    decision = decide_role_grant(AccessContext.of(principal), role)
    if not decision:
        raise Forbidden(decision.reason)


def create_user(
    session: Session,
    spec: UserSpec,
    principal: Principal | None,
    run: Callable[..., Any] = _direct,
) -> User:
    """Create an account; `principal` None is the console (`vms users create-admin`).
    `run` calls the hashing (the server passes its password pool)."""
    check_username(spec.username)
    check_strength(spec.password)
    if principal is not None:
        require_agency(
            principal,
            Permission.MANAGE_USERS,
            spec.agency_id,
            not_found=f"agency {spec.agency_id} not found",
        )
        _check_role_reach(principal, spec.role)
    if session.get(Agency, spec.agency_id) is None:
        raise NotFound(f"agency {spec.agency_id} not found")
    if session.scalars(select(User.id).where(User.username == spec.username)).first():
        raise Conflict(f"username {spec.username!r} is taken")
    user = User(
        username=spec.username,
        display_name=spec.display_name or spec.username,
        agency_id=spec.agency_id,
        role=spec.role,
        password_hash=run(hash_password, spec.password),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user the principal may manage (or themself); another agency's user looks missing."""
    user = session.get(User, user_id)
    ctx = AccessContext.of(principal)
    if user is None or not decide_user(ctx, UserAction.SEE, user.id, user.agency_id):
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(session: Session, principal: Principal) -> list[User]:
    """Everyone for the system administrator; the own agency for an agency administrator."""
    decision = decide_user(AccessContext.of(principal), UserAction.LIST)
    if not decision:
        raise Forbidden(decision.reason)
    stmt = select(User).order_by(User.id)
    if not principal.is_global:
        stmt = stmt.where(User.agency_id == principal.agency_id)
    return list(session.scalars(stmt))


def update_user(
    session: Session,
    principal: Principal,
    user: User,
    *,
    role: Role | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    password: str | None = None,
    current_password: str | None = None,
    run: Callable[..., Any] = _direct,
) -> bool:
    """Apply changes; True when the user's sessions must end (disabled, role or password).

    Changing one's own password needs the current one; someone who manages the user (an
    administrator's reset) does not. `run` calls the hashing (the password pool)."""
    self_only = user.id == principal.user_id and not principal.can(Permission.MANAGE_USERS)
    if self_only and (role is not None or active is not None):
        raise Forbidden("changing role or state needs manage_users")
    reach = decide_account_change(AccessContext.of(principal), Role(user.role))
    if not reach:
        raise Forbidden(reach.reason)
    end_sessions = False
    if role is not None and role != user.role:
        _check_role_reach(principal, role)
        if user.id == principal.user_id:
            raise Forbidden("you cannot change your own role")
        user.role = role
        end_sessions = True
    if active is not None and active != user.active:
        if user.id == principal.user_id and not active:
            raise Forbidden("you cannot disable your own account")
        user.active = active
        end_sessions = end_sessions or not active
    if display_name is not None:
        user.display_name = display_name.strip()[:200]
    if password is not None:
        check_strength(password)
        if user.id == principal.user_id:
            if current_password is None:
                raise InvalidInput("current_password: needed to change your own password")
            if not run(verify_password, user.password_hash, current_password):
                raise Forbidden("current_password is wrong")
        user.password_hash = run(hash_password, password)
        end_sessions = True
    session.flush()
    return end_sessions
