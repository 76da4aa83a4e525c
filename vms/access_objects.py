"""The access decision for the objects that are not cameras, PTZ or walls (those are in
`vms.access`): the audit trail, coverage, sharing grants, saved layouts, user accounts and the
emergency's own records.

Every decision takes one `AccessContext` - the principal, the time and the emergency override
in force - so that every route asks the same way and the override is considered here once. It
grants nothing on these objects: the governor's office gains camera and wall rights only, never
a management right (docs/emergency.md), so every answer here is the same before, during and
after an emergency (tests/access/test_phases.py runs the route matrix in the three phases).
Role sets are named in `vms.auth.roles` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from vms.access import Decision, require_agency
from vms.auth.principal import Principal
from vms.auth.roles import (
    AGENCY_ASSIGNABLE,
    AUDIT_ALL_ROLES,
    AUDIT_VERIFY_ROLES,
    COVERAGE_ALL_ROLES,
    GLOBAL_ROLES,
    Permission,
    Role,
)
from vms.emergency.override import Override
from vms.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class AccessContext:
    """Who asks, when, and the emergency override in force (or None)."""

    principal: Principal
    now: datetime
    emergency: Override | None = None

    @classmethod
    def of(cls, principal: Principal, emergency: Override | None = None) -> AccessContext:
        return cls(principal, datetime.now(UTC), emergency)


class AuditAction(StrEnum):
    READ = "read"  # search and export the records one may read
    READ_ALL = "read_all"  # every agency's records, not only the own agency's
    VERIFY = "verify"  # walk the whole chain (it spans every agency)


def decide_audit(ctx: AccessContext, action: AuditAction) -> Decision:
    p = ctx.principal
    if not p.can(Permission.VIEW_AUDIT):
        return Decision(False, "reading the audit trail needs view_audit")
    if action is AuditAction.READ:
        return Decision(True, "view_audit")
    if action is AuditAction.READ_ALL:
        if p.is_global or p.role in AUDIT_ALL_ROLES:
            return Decision(True, "audit-all role")
        return Decision(False, "only the own agency's records")
    if p.is_global or p.role in AUDIT_VERIFY_ROLES:
        return Decision(True, "audit-verify role")
    return Decision(
        False, "verifying the whole trail is for the supervisor or system administrator"
    )


def require_audit(ctx: AccessContext, action: AuditAction) -> Decision:
    decision = decide_audit(ctx, action)
    if not decision:
        raise Forbidden(decision.reason)
    return decision


def coverage_scope(ctx: AccessContext) -> int | None:
    """Whose coverage the principal reads: None for every station, else their agency's;
    Forbidden without the right."""
    p = ctx.principal
    if p.can(Permission.VIEW_COVERAGE) and (p.is_global or p.role in COVERAGE_ALL_ROLES):
        return None
    if p.can(Permission.VIEW_COVERAGE) or p.can(Permission.KEEP_WATCH):
        return p.agency_id
    raise Forbidden("viewing coverage needs view_coverage")


def require_keep_watch(ctx: AccessContext) -> Decision:
    if not ctx.principal.can(Permission.KEEP_WATCH):
        raise Forbidden("only operators and desk officers keep watch")
    return Decision(True, "keep_watch")


class GrantAction(StrEnum):
    SEE = "see"
    CREATE = "create"
    REVOKE = "revoke"


def decide_grant(
    ctx: AccessContext, action: GrantAction, owner_agency_id: int | None, grantee_agency_id: int
) -> Decision:
    """A sharing grant: the owner agency shares (None: every agency - the system administrator
    only); the parties and the audit roles see it; the grantee sees those towards it."""
    p = ctx.principal
    manages = p.can(Permission.MANAGE_SHARING)
    if action is GrantAction.SEE:
        if not (manages or p.can(Permission.VIEW_AUDIT)):
            ok = grantee_agency_id == p.agency_id
        else:
            ok = grants_all(ctx) or p.agency_id in (owner_agency_id, grantee_agency_id)
        return Decision(ok, "a party to the grant" if ok else "not a party to the grant")
    if owner_agency_id is None:
        if p.is_global and manages:
            return Decision(True, "global role")
        if action is GrantAction.CREATE:
            return Decision(False, "only a system administrator may share every agency's cameras")
        return Decision(False, "only the owning agency may revoke this grant")
    if manages and (p.is_global or owner_agency_id == p.agency_id):
        return Decision(True, "owning agency" if not p.is_global else "global role")
    return Decision(False, "only the owning agency may revoke this grant")


def grants_all(ctx: AccessContext) -> bool:
    """Whether the principal's grant listing spans every agency."""
    return ctx.principal.is_global or ctx.principal.role in AUDIT_ALL_ROLES


def require_grant_create(
    ctx: AccessContext, owner_agency_id: int | None, grantee_agency_id: int
) -> Decision:
    """Allow or raise; another agency's cameras answer as a missing agency (404)."""
    if owner_agency_id is not None:
        return require_agency(
            ctx.principal,
            Permission.MANAGE_SHARING,
            owner_agency_id,
            not_found=f"agency {owner_agency_id} not found",
        )
    decision = decide_grant(ctx, GrantAction.CREATE, owner_agency_id, grantee_agency_id)
    if not decision:
        raise Forbidden(decision.reason)
    return decision


class LayoutAction(StrEnum):
    SEE = "see"
    CHANGE = "change"


def decide_layout(ctx: AccessContext, action: LayoutAction, owner: str, shared: bool) -> Decision:
    """A saved layout: its owner does everything; a shared one is seen by all, changed by none
    but the owner (others save a copy)."""
    mine = owner == ctx.principal.username
    if action is LayoutAction.SEE:
        return Decision(mine or shared, "owner" if mine else "shared" if shared else "private")
    return Decision(mine, "owner" if mine else "belongs to someone else")


def require_layout(
    ctx: AccessContext, action: LayoutAction, layout_id: int, owner: str, shared: bool
) -> Decision:
    """Allow or raise: a layout one may not see looks missing."""
    if not decide_layout(ctx, LayoutAction.SEE, owner, shared):
        raise NotFound(f"no layout {layout_id}")
    decision = decide_layout(ctx, action, owner, shared)
    if not decision:
        raise Forbidden(f"layout {layout_id} belongs to someone else; save a copy instead")
    return decision


class UserAction(StrEnum):
    LIST = "list"
    SEE = "see"  # read or change an account (its own, or one the principal manages)


def decide_user(
    ctx: AccessContext, action: UserAction, user_id: int | None = None, agency_id: int | None = None
) -> Decision:
    p = ctx.principal
    if action is UserAction.LIST:
        ok = p.can(Permission.MANAGE_USERS)
        return Decision(ok, "manage_users" if ok else "listing users needs manage_users")
    if user_id == p.user_id:
        return Decision(True, "own account")
    if p.is_global:
        return Decision(True, "global role")
    if p.can(Permission.MANAGE_USERS) and agency_id == p.agency_id:
        return Decision(True, "own agency")
    return Decision(False, "another agency's user")


def decide_role_grant(ctx: AccessContext, role: Role) -> Decision:
    """May the principal give `role` to someone (creating or changing an account)?"""
    if ctx.principal.is_global:
        return Decision(True, "global role")
    if role in AGENCY_ASSIGNABLE:
        return Decision(True, "a role an agency administrator gives")
    return Decision(False, f"only a system administrator may give the role {role}")


def decide_account_change(ctx: AccessContext, target_role: Role) -> Decision:
    """May the principal change an account holding `target_role` (given they may manage it)?"""
    if target_role in GLOBAL_ROLES and not ctx.principal.is_global:
        return Decision(False, "only a system administrator may change a system administrator")
    return Decision(True, "within reach")


def decide_emergency_history(ctx: AccessContext) -> Decision:
    p = ctx.principal
    if p.can(Permission.DECLARE_EMERGENCY) or p.can(Permission.VIEW_AUDIT):
        return Decision(True, "governor's office or auditor")
    return Decision(
        False, "not allowed: the emergency history is for the governor's office and auditors"
    )
