"""THE access decision: who may do what to which camera, now.

Every route, the live relay and the listings ask here and nowhere else, so a new rule (the
governor's emergency override is next) is added in one place. The inputs are plain values - the
principal (with the sharing grants towards its agency), the permission, the camera's identity
and the time - so the decision is a pure function and is tested as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from vms.auth.principal import Principal
from vms.auth.roles import (
    PTZ_AGENCY_ADMIN_ROLES,
    PTZ_COMMAND_CENTER_ROLES,
    PTZ_SUPERVISOR_ROLES,
    SHARE_LEVELS,
    Permission,
)
from vms.db.engine import Database
from vms.db.models.registry import Camera, CameraTag
from vms.errors import Forbidden, NotFound

SHAREABLE: frozenset[Permission] = SHARE_LEVELS["export"]


class CameraRef(Protocol):
    """What a decision needs to know about a camera."""

    @property
    def id(self) -> int: ...

    @property
    def agency_id(self) -> int: ...

    @property
    def tags(self) -> Sequence[str] | None: ...


@dataclass(frozen=True, slots=True)
class GrantRule:
    """An active sharing agreement as the decision sees it.

    `owner_agency_id` None means "every agency" (the provincial agreement towards the command
    center); `camera_id` and `tag` both None means all of the owner's cameras. `hours` is a
    daily window in the site's time zone (start inclusive, end exclusive; may wrap midnight).
    """

    id: int
    owner_agency_id: int | None
    grantee_agency_id: int
    level: str
    camera_id: int | None = None
    tag: str | None = None
    hours: tuple[time, time] | None = None
    expires_at: datetime | None = None
    tz: str = "UTC"

    def targets(self, camera: CameraRef) -> bool:
        """Whether the camera falls under this grant (owner and camera/tag/all)."""
        if self.owner_agency_id is not None and self.owner_agency_id != camera.agency_id:
            return False
        if self.camera_id is not None:
            return self.camera_id == camera.id
        if self.tag is not None:
            return self.tag in (camera.tags or ())
        return True

    def in_force(self, now: datetime) -> bool:
        """Not expired and inside the daily window, if any."""
        if self.expires_at is not None and as_utc(now) >= as_utc(self.expires_at):
            return False
        if self.hours is None:
            return True
        local = as_utc(now).astimezone(ZoneInfo(self.tz)).time().replace(tzinfo=None)
        start, end = self.hours
        if start <= end:
            return start <= local < end
        return local >= start or local < end

    def covers(self, camera: CameraRef, permission: Permission, now: datetime) -> bool:
        return (
            permission in SHARE_LEVELS.get(self.level, frozenset())
            and self.targets(camera)
            and self.in_force(now)
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer and why; `grant_id` names the sharing agreement that allowed it, if one did."""

    allowed: bool
    reason: str
    grant_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive values from SQLite are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def decide(
    principal: Principal, permission: Permission, camera: CameraRef, now: datetime
) -> Decision:
    """May `principal` do `permission` to `camera` at `now`?"""
    if not principal.can(permission):
        return Decision(False, f"role {principal.role} lacks {permission}")
    if principal.is_global:
        return Decision(True, "global role")
    if camera.agency_id == principal.agency_id:
        return Decision(True, "own agency")
    if permission not in SHAREABLE:
        return Decision(False, "only the owning agency may do this")
    for grant in principal.grants:
        if grant.grantee_agency_id == principal.agency_id and grant.covers(camera, permission, now):
            return Decision(True, "shared", grant.id)
    return Decision(False, "not shared with this agency")


def decide_agency(principal: Principal, permission: Permission, agency_id: int) -> Decision:
    """May `principal` do `permission` to an agency's own objects (users, grants, cameras)?"""
    if not principal.can(permission):
        return Decision(False, f"role {principal.role} lacks {permission}")
    if principal.is_global or agency_id == principal.agency_id:
        return Decision(True, "own agency" if not principal.is_global else "global role")
    return Decision(False, "another agency")


def can_see(principal: Principal, camera: CameraRef, now: datetime) -> bool:
    """Whether the camera exists as far as this principal is concerned."""
    return any(
        decide(principal, p, camera, now)
        for p in (Permission.VIEW_LIVE, Permission.VIEW_RECORDINGS, Permission.MANAGE_CAMERAS)
    )


def require(
    principal: Principal,
    permission: Permission,
    camera: CameraRef,
    now: datetime | None = None,
    *,
    not_found: str | None = None,
) -> Decision:
    """Allow or raise: NotFound when the camera is invisible to the caller (the same answer
    as a missing camera, message `not_found`), Forbidden when visible but not allowed."""
    moment = now or datetime.now(UTC)
    decision = decide(principal, permission, camera, moment)
    if decision:
        return decision
    if not can_see(principal, camera, moment):
        raise NotFound(not_found or f"camera {camera.id} not found")
    raise Forbidden(f"not allowed: {permission} on camera {camera.id} ({decision.reason})")


def require_agency(
    principal: Principal, permission: Permission, agency_id: int, *, not_found: str
) -> Decision:
    """Allow or raise for agency-owned objects: another agency's object looks missing."""
    decision = decide_agency(principal, permission, agency_id)
    if decision:
        return decision
    if agency_id != principal.agency_id and not principal.is_global:
        raise NotFound(not_found)
    raise Forbidden(f"not allowed: {permission} ({decision.reason})")


C = TypeVar("C", bound=CameraRef)


def visible(
    principal: Principal, permission: Permission, cameras: Iterable[C], now: datetime
) -> list[C]:
    """The cameras a listing may show: those `permission` is allowed on."""
    return [c for c in cameras if decide(principal, permission, c, now)]


def camera_clause(
    principal: Principal, permission: Permission, now: datetime
) -> ColumnElement[bool]:
    """The same decision as a WHERE clause over `Camera`, for listings and counts in SQL.

    Mirrors `decide` rule for rule; tests hold the two to the same answers.
    """
    if not principal.can(permission):
        return false()
    if principal.is_global:
        return true()
    clauses: list[ColumnElement[bool]] = [Camera.agency_id == principal.agency_id]
    if permission in SHAREABLE:
        for grant in principal.grants:
            if grant.grantee_agency_id != principal.agency_id:
                continue
            if permission not in SHARE_LEVELS.get(grant.level, frozenset()):
                continue
            if not grant.in_force(now):
                continue
            parts: list[ColumnElement[bool]] = []
            if grant.owner_agency_id is not None:
                parts.append(Camera.agency_id == grant.owner_agency_id)
            if grant.camera_id is not None:
                parts.append(Camera.id == grant.camera_id)
            elif grant.tag is not None:
                tagged = select(CameraTag.camera_id).where(CameraTag.tag == grant.tag)
                parts.append(Camera.id.in_(tagged))
            clauses.append(and_(true(), *parts))
    return or_(*clauses)


def require_camera(
    session: Session,
    principal: Principal,
    permission: Permission,
    camera_id: int,
    *,
    not_found: str,
    now: datetime | None = None,
) -> Camera:
    """Load the camera and allow or raise; a missing and an invisible camera both raise
    NotFound(`not_found`), so the caller's 404 reads the same for both."""
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound(not_found)
    require(principal, permission, camera, now, not_found=not_found)
    return camera


def check_camera(
    db: Database, principal: Principal, permission: Permission, camera_id: int, *, not_found: str
) -> None:
    """`require_camera` in its own short session (for async routes: call in a thread)."""
    with db.session() as session:
        require_camera(session, principal, permission, camera_id, not_found=not_found)


def require_global(principal: Principal, permission: Permission) -> Decision:
    """Allow or raise Forbidden for acts that span every agency (system administrator)."""
    if principal.is_global and principal.can(permission):
        return Decision(True, "global role")
    raise Forbidden(f"only a system administrator may do this ({permission} on every agency)")


Standing = Literal[
    "emergency",
    "system_admin",
    "command_supervisor",
    "agency_admin",
    "agency_staff",
    "command_operator",
    "shared",
]
"""A PTZ priority class; the [ptz] config numbers each (vms.ptz.config.PtzConfig)."""


@dataclass(frozen=True, slots=True)
class ControlContext:
    """What the PTZ decision reads besides the principal and the camera: the time, whether the
    caller's agency is a command center, and - a seam for the governor's override, not yet
    declared anywhere - whether an emergency is in force."""

    now: datetime
    command_center: bool = False
    emergency: bool = False


@dataclass(frozen=True, slots=True)
class ControlDecision:
    """May the principal steer the camera, why, and in which standing (its priority class)."""

    allowed: bool
    reason: str
    standing: Standing | None = None

    def __bool__(self) -> bool:
        return self.allowed


def decide_ptz(principal: Principal, camera: CameraRef, ctx: ControlContext) -> ControlDecision:
    """THE PTZ decision: may `principal` steer `camera`, and with which standing?"""
    if ctx.emergency and principal.can(Permission.DECLARE_EMERGENCY):
        return ControlDecision(True, "emergency command", "emergency")
    if not principal.can(Permission.CONTROL):
        return ControlDecision(False, f"role {principal.role} lacks {Permission.CONTROL}")
    if principal.is_global:
        return ControlDecision(True, "global role", "system_admin")
    if ctx.command_center and principal.role in PTZ_COMMAND_CENTER_ROLES:
        if can_see(principal, camera, ctx.now):
            if principal.role in PTZ_SUPERVISOR_ROLES:
                return ControlDecision(True, "command center", "command_supervisor")
            return ControlDecision(True, "command center", "command_operator")
    if camera.agency_id == principal.agency_id:
        if principal.role in PTZ_AGENCY_ADMIN_ROLES:
            return ControlDecision(True, "own agency", "agency_admin")
        return ControlDecision(True, "own agency", "agency_staff")
    decision = decide(principal, Permission.CONTROL, camera, ctx.now)
    if decision:
        return ControlDecision(True, f"shared by grant {decision.grant_id}", "shared")
    return ControlDecision(False, "no control-level grant for this camera")


def require_ptz(
    principal: Principal, camera: CameraRef, ctx: ControlContext, *, not_found: str
) -> ControlDecision:
    """Allow or raise: NotFound when the camera is invisible to the caller (as a missing one),
    Forbidden when visible but not to be steered by them."""
    decision = decide_ptz(principal, camera, ctx)
    if decision:
        return decision
    if not can_see(principal, camera, ctx.now):
        raise NotFound(not_found)
    raise Forbidden(f"not allowed to steer camera {camera.id} ({decision.reason})")
