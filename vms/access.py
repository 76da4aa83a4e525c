"""THE access decision: who may do what to which camera, now.

Every route, the live relay and the listings ask here and nowhere else, so a new rule (the
governor's emergency override) is added in one place. The inputs are plain values - the
principal (with the sharing grants towards its agency), the permission, the camera's identity,
the time and the emergency override in force (`vms.emergency.override.Override`, or None) - so
the decision is a pure function and is tested as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from vms.auth.principal import Principal
from vms.auth.roles import (
    AUDIT_ALL_ROLES,
    CENTRAL_LINK_ROLES,
    EVIDENCE_APPROVER_ROLES,
    PTZ_AGENCY_ADMIN_ROLES,
    PTZ_COMMAND_CENTER_ROLES,
    PTZ_SUPERVISOR_ROLES,
    SHARE_LEVELS,
    WALL_ALL_ROLES,
    Permission,
)
from vms.db.engine import Database
from vms.db.models.evidence import DataRequest, DataRequestCamera
from vms.db.models.registry import Camera, CameraTag
from vms.emergency.override import Override
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

    @property
    def central_link(self) -> bool: ...


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
    """The answer and why; `grant_id` names the sharing agreement that allowed it, if one did,
    `emergency_id` the emergency declaration, if only the override allowed it."""

    allowed: bool
    reason: str
    grant_id: int | None = None
    emergency_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive values from SQLite are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def decide(
    principal: Principal,
    permission: Permission,
    camera: CameraRef,
    now: datetime,
    *,
    emergency: Override | None = None,
) -> Decision:
    """May `principal` do `permission` to `camera` at `now` (with `emergency` in force, if any)?

    The override only ever adds: what is allowed without it is allowed, and said so, with it."""
    decision = _decide_shared(principal, permission, camera, now)
    if decision or emergency is None:
        return decision
    if emergency.applies(principal, permission, now) and emergency.in_scope(camera):
        return Decision(True, "emergency override", emergency_id=emergency.id)
    return decision


def _decide_shared(
    principal: Principal, permission: Permission, camera: CameraRef, now: datetime
) -> Decision:
    """The decision by roles and sharing agreements alone."""
    if not principal.can(permission):
        return Decision(False, f"role {principal.role} lacks {permission}")
    if principal.is_global:
        return Decision(True, "global role")
    if principal.role in CENTRAL_LINK_ROLES:  # the national system: the linked cameras only
        if camera.central_link:
            return Decision(True, "central-linked (national system)")
        return Decision(False, "not linked to the central system")
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


def can_see(
    principal: Principal, camera: CameraRef, now: datetime, *, emergency: Override | None = None
) -> bool:
    """Whether the camera exists as far as this principal is concerned."""
    return any(
        decide(principal, p, camera, now, emergency=emergency)
        for p in (Permission.VIEW_LIVE, Permission.VIEW_RECORDINGS, Permission.MANAGE_CAMERAS)
    )


def require(
    principal: Principal,
    permission: Permission,
    camera: CameraRef,
    now: datetime | None = None,
    *,
    not_found: str | None = None,
    emergency: Override | None = None,
) -> Decision:
    """Allow or raise: NotFound when the camera is invisible to the caller (the same answer
    as a missing camera, message `not_found`), Forbidden when visible but not allowed."""
    moment = now or datetime.now(UTC)
    decision = decide(principal, permission, camera, moment, emergency=emergency)
    if decision:
        return decision
    if not can_see(principal, camera, moment, emergency=emergency):
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
    principal: Principal,
    permission: Permission,
    cameras: Iterable[C],
    now: datetime,
    *,
    emergency: Override | None = None,
) -> list[C]:
    """The cameras a listing may show: those `permission` is allowed on."""
    return [c for c in cameras if decide(principal, permission, c, now, emergency=emergency)]


def camera_clause(
    principal: Principal,
    permission: Permission,
    now: datetime,
    *,
    emergency: Override | None = None,
) -> ColumnElement[bool]:
    """The same decision as a WHERE clause over `Camera`, for listings and counts in SQL.

    Mirrors `decide` rule for rule; tests hold the two to the same answers.
    """
    shared = _shared_clause(principal, permission, now)
    if emergency is None or not emergency.applies(principal, permission, now):
        return shared
    return or_(shared, scope_clause(emergency))


def scope_clause(emergency: Override) -> ColumnElement[bool]:
    """The cameras in a declaration's scope, as SQL (mirrors `Override.in_scope`)."""
    if emergency.scope_all:
        return true()
    parts: list[ColumnElement[bool]] = [false()]
    if emergency.agency_ids:
        parts.append(Camera.agency_id.in_(sorted(emergency.agency_ids)))
    if emergency.tags:
        tagged = select(CameraTag.camera_id).where(CameraTag.tag.in_(sorted(emergency.tags)))
        parts.append(Camera.id.in_(tagged))
    return or_(*parts)


def _shared_clause(
    principal: Principal, permission: Permission, now: datetime
) -> ColumnElement[bool]:
    if not principal.can(permission):
        return false()
    if principal.is_global:
        return true()
    if principal.role in CENTRAL_LINK_ROLES:
        return Camera.central_link.is_(True)
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
    emergency: Override | None = None,
) -> Camera:
    """Load the camera and allow or raise; a missing and an invisible camera both raise
    NotFound(`not_found`), so the caller's 404 reads the same for both."""
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound(not_found)
    require(principal, permission, camera, now, not_found=not_found, emergency=emergency)
    return camera


def check_camera(
    db: Database,
    principal: Principal,
    permission: Permission,
    camera_id: int,
    *,
    not_found: str,
    emergency: Override | None = None,
) -> None:
    """`require_camera` in its own short session (for async routes: call in a thread)."""
    with db.session() as session:
        require_camera(
            session, principal, permission, camera_id, not_found=not_found, emergency=emergency
        )


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
    caller's agency is a command center, and the governor's emergency override if one is open
    (`vms.emergency.override.Override`; the decision asks it whether it is in force, whom it
    empowers and which cameras it covers)."""

    now: datetime
    command_center: bool = False
    emergency: Override | None = None


@dataclass(frozen=True, slots=True)
class ControlDecision:
    """May the principal steer the camera, why, in which standing (its priority class), and
    the emergency declaration if only the override allowed it (with its end: a session taken
    under it lasts no longer)."""

    allowed: bool
    reason: str
    standing: Standing | None = None
    emergency_id: int | None = None
    emergency_ends_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed


def decide_ptz(principal: Principal, camera: CameraRef, ctx: ControlContext) -> ControlDecision:
    """THE PTZ decision: may `principal` steer `camera`, and with which standing? An override
    in force that empowers the caller and covers the camera puts them above everyone."""
    emergency = ctx.emergency
    if (
        emergency is not None
        and emergency.applies(principal, Permission.CONTROL, ctx.now)
        and emergency.in_scope(camera)
    ):
        return ControlDecision(
            True, "emergency command", "emergency", emergency.id, emergency.ends_at
        )
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
    if not can_see(principal, camera, ctx.now, emergency=ctx.emergency):
        raise NotFound(not_found)
    raise Forbidden(f"not allowed to steer camera {camera.id} ({decision.reason})")


class WallAction(StrEnum):
    """What one may do to a wall."""

    VIEW = "view"  # see it, open it as a wall, acknowledge a push
    PUSH = "push"  # push a layout or alarm view (and register the wall)
    RETURN = "return"  # the local operator goes back to their own layout
    UNLOCK = "unlock"  # lift a locked push


class WallRef(Protocol):
    """What a wall decision needs to know about a wall."""

    @property
    def agency_id(self) -> int: ...

    @property
    def pushed_by_user_id(self) -> int | None: ...

    @property
    def emergency_id(self) -> int | None: ...


def decide_wall(
    principal: Principal,
    action: WallAction,
    wall: WallRef,
    *,
    locked: bool = False,
    emergency: Override | None = None,
    now: datetime | None = None,
) -> Decision:
    """May `principal` do `action` to `wall`? `locked`: the wall shows a locked push now.

    Command-center roles push to every wall, agency administrators to their own agency's; the
    wall's own agency may view it and return from an unlocked push; a locked push is lifted
    only by its pusher or by someone who may push to the wall. While an emergency `emergency`
    is in force (at `now`), those it empowers do everything to the walls of the agencies in its
    scope (`emergency_id` on the decision), and a push made under it is theirs alone: nobody
    else pushes over it, unlocks it or leaves it while it is locked."""
    moment = now or datetime.now(UTC)
    if emergency is not None and emergency.in_force(moment):
        covers = emergency.scope_all or wall.agency_id in emergency.agency_ids
        if covers and emergency.empowers(principal):
            return Decision(True, "emergency command", emergency_id=emergency.id)
        if wall.emergency_id == emergency.id and action is not WallAction.VIEW:
            if action is not WallAction.RETURN or locked:
                return Decision(False, "the wall is under the governor's emergency command")
    steers = principal.can(Permission.PUSH_WALLS) and (
        principal.role in WALL_ALL_ROLES or wall.agency_id == principal.agency_id
    )
    own = wall.agency_id == principal.agency_id
    if action is WallAction.PUSH:
        if steers:
            return Decision(True, "may steer this wall")
        return Decision(False, f"role {principal.role} may not push to this wall")
    if action is WallAction.VIEW:
        if steers or own:
            return Decision(True, "own agency" if own else "may steer this wall")
        return Decision(False, "another agency's wall")
    pusher = wall.pushed_by_user_id is not None and wall.pushed_by_user_id == principal.user_id
    if action is WallAction.UNLOCK:
        if steers or pusher:
            return Decision(True, "pusher" if pusher else "may steer this wall")
        return Decision(False, "only the pusher or a supervisor may unlock this wall")
    if steers or pusher:
        return Decision(True, "may steer this wall")
    if not own:
        return Decision(False, "another agency's wall")
    if locked:
        return Decision(False, "the push on this wall is locked")
    return Decision(True, "own agency, push not locked")


def require_wall(
    principal: Principal,
    action: WallAction,
    wall: WallRef,
    *,
    locked: bool = False,
    not_found: str,
    emergency: Override | None = None,
) -> Decision:
    """Allow or raise: a wall the caller may not even view looks missing (NotFound)."""
    decision = decide_wall(principal, action, wall, locked=locked, emergency=emergency)
    if decision:
        return decision
    if not decide_wall(principal, WallAction.VIEW, wall, emergency=emergency):
        raise NotFound(not_found)
    raise Forbidden(f"not allowed: {action} ({decision.reason})")


def require_emergency_command(principal: Principal) -> Decision:
    """Allow or raise Forbidden for declaring, confirming, extending or ending an emergency."""
    if principal.can(Permission.DECLARE_EMERGENCY):
        return Decision(True, "declare permission")
    raise Forbidden(
        f"role {principal.role} lacks {Permission.DECLARE_EMERGENCY}: only the governor's "
        "office declares, confirms, extends or ends an emergency"
    )


def require_emergency_report(principal: Principal, agency_id: int) -> Decision:
    """An agency's emergency receipt: the governor's office, audit-all roles, or the agency's
    own auditors; another agency's receipt is Forbidden (the agency ids are not secret)."""
    if principal.can(Permission.DECLARE_EMERGENCY):
        return Decision(True, "declare permission")
    if principal.can(Permission.VIEW_AUDIT):
        if principal.role in AUDIT_ALL_ROLES or principal.agency_id == agency_id:
            return Decision(True, "audit")
    raise Forbidden(f"not allowed: the emergency receipt of agency {agency_id}")


def decide_footage_request(
    principal: Principal, camera: CameraRef, now: datetime, *, emergency: Override | None = None
) -> Decision:
    """May `principal` ask for an export of `camera`'s recordings? They must be allowed to view
    its recordings, and their role must carry the export permission (or the emergency
    override grant it on this camera: then `emergency_id` says so)."""
    view = decide(principal, Permission.VIEW_RECORDINGS, camera, now, emergency=emergency)
    if not view:
        return view
    if principal.can(Permission.EXPORT):
        return view
    if (
        emergency is not None
        and emergency.applies(principal, Permission.EXPORT, now)
        and emergency.in_scope(camera)
    ):
        return Decision(True, "emergency override", emergency_id=emergency.id)
    return Decision(False, f"role {principal.role} lacks {Permission.EXPORT}")


def require_footage_request(
    principal: Principal,
    camera: CameraRef,
    now: datetime,
    *,
    not_found: str,
    emergency: Override | None = None,
) -> Decision:
    """Allow or raise: a camera the caller cannot see is NotFound, like a missing one."""
    decision = decide_footage_request(principal, camera, now, emergency=emergency)
    if decision:
        return decision
    if not can_see(principal, camera, now, emergency=emergency):
        raise NotFound(not_found)
    raise Forbidden(f"not allowed to request footage of camera {camera.id} ({decision.reason})")


class RequestAction(StrEnum):
    """What one may do to a data-use request."""

    VIEW = "view"
    DECIDE = "decide"  # approve or reject
    RELEASE = "release"  # release its evidence locks (the same people as DECIDE)
    DOWNLOAD = "download"


class DataRequestRef(Protocol):
    """What a data-request decision needs: who asked, and which agencies own the cameras."""

    @property
    def requester_id(self) -> int: ...

    @property
    def camera_agency_ids(self) -> frozenset[int]: ...


@dataclass(frozen=True, slots=True)
class EvidencePolicy:
    """The [evidence] approver rule, and the agency of the provincial working group."""

    approver: Literal["owning_agency", "working_group"] = "owning_agency"
    working_group_agency_id: int | None = None

    def in_working_group(self, principal: Principal) -> bool:
        """The system administrator, and the working group agency's administrators."""
        if principal.is_global:
            return True
        return (
            self.working_group_agency_id is not None
            and principal.agency_id == self.working_group_agency_id
            and principal.role in EVIDENCE_APPROVER_ROLES
        )


def _administers(principal: Principal, request: DataRequestRef) -> bool:
    return (
        principal.role in EVIDENCE_APPROVER_ROLES
        and principal.agency_id in request.camera_agency_ids
    )


def decide_data_request(
    principal: Principal, action: RequestAction, request: DataRequestRef, policy: EvidencePolicy
) -> Decision:
    """THE data-request decision. The requester sees and downloads their own; an agency
    administrator sees (and, by the owning_agency rule, decides) requests touching their
    agency's cameras; the working group sees all (and decides by the working_group rule).
    Nobody decides on their own request; only the requester downloads. RELEASE (its evidence
    locks) is decided exactly as DECIDE: who may approve may give the footage back to
    retention, each owning agency for its own cameras (`releasable_agencies`)."""
    own = request.requester_id == principal.user_id
    if action is RequestAction.DOWNLOAD:
        return Decision(True, "requester") if own else Decision(False, "only the requester")
    if action is RequestAction.VIEW:
        if own:
            return Decision(True, "requester")
        if policy.in_working_group(principal):
            return Decision(True, "working group")
        if _administers(principal, request):
            return Decision(True, "owning agency administrator")
        return Decision(False, "not the requester's or an owning agency's")
    if own:
        return Decision(False, "you may not approve or reject your own request")
    if policy.approver == "working_group":
        if policy.in_working_group(principal):
            return Decision(True, "working group")
        return Decision(False, "only the provincial working group decides data-use requests")
    if principal.is_global:
        return Decision(True, "global role")
    if _administers(principal, request):
        return Decision(True, "owning agency administrator")
    return Decision(False, "only an administrator of an owning agency decides this request")


def require_data_request(
    principal: Principal,
    action: RequestAction,
    request: DataRequestRef,
    policy: EvidencePolicy,
    *,
    not_found: str,
) -> Decision:
    """Allow or raise: NotFound for a request the caller may not see (and for a download by
    anyone but the requester), Forbidden for one they see but may not decide."""
    decision = decide_data_request(principal, action, request, policy)
    if decision:
        return decision
    if action is RequestAction.DOWNLOAD:
        raise NotFound(not_found)
    if not decide_data_request(principal, RequestAction.VIEW, request, policy):
        raise NotFound(not_found)
    raise Forbidden(f"not allowed: {action} ({decision.reason})")


def approval_capacities(
    principal: Principal, request: DataRequestRef, policy: EvidencePolicy
) -> list[str]:
    """In which capacities the principal's approval counts: "working_group", or
    "agency:<id>" for each owning agency they may approve for (all of them for the system
    administrator). Empty if they may not decide."""
    if not decide_data_request(principal, RequestAction.DECIDE, request, policy):
        return []
    if policy.approver == "working_group":
        return ["working_group"]
    agencies = request.camera_agency_ids if principal.is_global else {principal.agency_id}
    return [f"agency:{a}" for a in sorted(agencies)]


def releasable_agencies(
    principal: Principal, request: DataRequestRef, policy: EvidencePolicy
) -> frozenset[int]:
    """The owning agencies whose cameras' evidence locks of this request the principal may
    release: all of them for the working group (by its rule) and the system administrator,
    their own agency for an owning agency's administrator, none for anyone else."""
    if not decide_data_request(principal, RequestAction.RELEASE, request, policy):
        return frozenset()
    if policy.approver == "working_group" or principal.is_global:
        return request.camera_agency_ids
    return request.camera_agency_ids & {principal.agency_id}


def required_capacities(request: DataRequestRef, policy: EvidencePolicy) -> list[str]:
    """The approvals a request needs before its export is made."""
    if policy.approver == "working_group":
        return ["working_group"]
    return [f"agency:{a}" for a in sorted(request.camera_agency_ids)]


def data_request_clause(principal: Principal, policy: EvidencePolicy) -> ColumnElement[bool]:
    """The VIEW decision as a WHERE clause over `DataRequest` (mirrors `decide_data_request`;
    tests hold the two to the same answers)."""
    if policy.in_working_group(principal):
        return true()
    clauses: list[ColumnElement[bool]] = [DataRequest.requester_id == principal.user_id]
    if principal.role in EVIDENCE_APPROVER_ROLES:
        owned = select(DataRequestCamera.request_id).where(
            DataRequestCamera.agency_id == principal.agency_id
        )
        clauses.append(DataRequest.id.in_(owned))
    return or_(*clauses)


def report_scope(principal: Principal, agency_id: int | None) -> int | None:
    """Whose uptime (or 20 % selection) report the caller may read: None for every agency
    (system administrator, command-center supervisor), otherwise one agency id. An agency
    administrator reads their own agency's only; another agency's id answers NotFound, like a
    missing agency."""
    if principal.is_global or (
        principal.role in AUDIT_ALL_ROLES and principal.can(Permission.VIEW_AUDIT)
    ):
        return agency_id
    if not principal.can(Permission.MANAGE_CAMERAS):
        raise Forbidden(
            f"role {principal.role} lacks {Permission.MANAGE_CAMERAS}: the uptime and selection "
            "reports are for agency administrators, the supervisor and the system administrator"
        )
    if agency_id is not None and agency_id != principal.agency_id:
        raise NotFound(f"agency {agency_id} not found")
    return principal.agency_id
