"""Walls: `/api/v1/walls`. Register a display, see what it shows, push a layout or an alarm
view to one wall, a group or every wall, and the wall's own acts (apply, return). Who may do
what is `vms.access.decide_wall`; every change is audited in its own unit of work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vms import walls as domain
from vms.access import WallAction, as_utc, decide_wall, require_wall
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.api.routes.layouts import GridIn
from vms.audit import AuditEntry
from vms.auth.principal import Principal
from vms.db.models.registry import Agency
from vms.db.models.walls import Wall
from vms.emergency.override import Override
from vms.errors import Conflict, Forbidden, InvalidInput, NotFound
from vms.inputs import InputModel, Moment

router = APIRouter(prefix="/api/v1/walls", tags=["walls"])

MAX_EXPIRY_S = 7 * 24 * 3600


class WallIn(InputModel):
    """A display to register; `agency_id` defaults to the caller's agency."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="e.g. CCOC main wall")
    agency_id: int | None = Field(None, description="Owning agency (default: the caller's).")
    group: str | None = Field(None, min_length=1, max_length=64, description="Push group.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value


class AlarmIn(InputModel):
    """An alarm view: a title and the cameras to show at once."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    camera_ids: list[str] = Field(min_length=1, max_length=25)

    @field_validator("camera_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> list[str]:
        if not isinstance(value, list):
            raise ValueError("camera_ids must be a list")
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, str | int) or not str(v).strip():
                raise ValueError("camera id must be a non-empty string or an integer")
            out.append(str(v).strip())
        return out


class PushIn(InputModel):
    """What to push: exactly one of `layout` (the saved-layout shape: grid + tiles of cameras
    or tours) and `alarm`; `locked` keeps the local operator from leaving it; the push ends at
    `expires_at` or after `expires_in_s` (at most one), else when someone returns or re-pushes."""

    model_config = ConfigDict(extra="forbid")

    layout: GridIn | None = None
    alarm: AlarmIn | None = None
    locked: bool = False
    expires_at: Moment | None = None
    expires_in_s: int | None = Field(None, ge=1, le=MAX_EXPIRY_S)

    @model_validator(mode="after")
    def _one(self) -> PushIn:
        if (self.layout is None) == (self.alarm is None):
            raise ValueError("give exactly one of layout and alarm")
        if self.expires_at is not None and self.expires_in_s is not None:
            raise ValueError("give at most one of expires_at and expires_in_s")
        return self


class GroupPushIn(PushIn):
    """A push to several walls: `walls` (ids, or "all" the caller may push to) or `group`."""

    walls: list[int] | Literal["all"] | None = Field(None, max_length=500)
    group: str | None = Field(None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _targets(self) -> GroupPushIn:
        if (self.walls is None) == (self.group is None):
            raise ValueError("give exactly one of walls and group")
        if isinstance(self.walls, list) and not self.walls:
            raise ValueError("walls must name at least one wall")
        return self


class AckIn(InputModel):
    """The wall applied change `seq` (the server-sent event id)."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0)


class TileOut(BaseModel):
    """One tile as the caller may see it; `permitted` false means the camera is not theirs to
    watch, and then no camera id is given."""

    camera_id: str | None
    tour: dict[str, Any] | None
    permitted: bool


class ContentOut(BaseModel):
    kind: Literal["layout", "alarm"]
    title: str | None
    grid: str
    tiles: list[TileOut]


class WallOut(BaseModel):
    """A wall and what it shows: `mode` "local" (its operator's own layout) or "pushed"."""

    id: int
    name: str
    agency_id: int
    group: str | None
    mode: Literal["local", "pushed"]
    content: ContentOut | None
    pushed_by: str | None
    pushed_at: datetime | None
    locked: bool
    expires_at: datetime | None
    emergency_id: int | None = None  # the push on show was made under this emergency
    seq: int
    acked_seq: int
    can_push: bool
    can_return: bool
    can_unlock: bool


class WallList(BaseModel):
    items: list[WallOut]
    total: int


def _now() -> datetime:
    return datetime.now(UTC)


def _wall(
    session: SessionDep,
    principal: Principal,
    wall_id: int,
    action: WallAction,
    *,
    for_change: bool = True,
    emergency: Override | None = None,
) -> Wall:
    """The wall, allowed or raised; row-locked for the rest of the unit of work if it is to
    change (see `vms.walls.lock`)."""
    if for_change:
        wall = domain.lock(session, [wall_id]).get(wall_id)
    else:
        wall = session.get(Wall, wall_id)
    message = f"no wall {wall_id}"
    if wall is None:
        raise NotFound(message)
    locked = domain.locked(wall, _now())
    require_wall(principal, action, wall, locked=locked, not_found=message, emergency=emergency)
    return wall


def _out(
    session: SessionDep, principal: Principal, wall: Wall, emergency: Override | None = None
) -> WallOut:
    return WallOut.model_validate(domain.present(session, principal, wall, _now(), emergency))


def _what(
    session: SessionDep,
    principal: Principal,
    body: PushIn,
    now: datetime,
    emergency: Override | None,
) -> domain.Push:
    if body.layout is not None:
        content = domain.layout_content(
            body.layout.grid, [t.model_dump() for t in body.layout.tiles]
        )
    else:
        assert body.alarm is not None
        content = domain.alarm_content(body.alarm.title, body.alarm.camera_ids)
    domain.check_cameras(session, principal, domain.content_cameras(content), now, emergency)
    expires = body.expires_at
    if body.expires_in_s is not None:
        expires = now + timedelta(seconds=body.expires_in_s)
    if expires is not None:
        if expires.tzinfo is None:
            raise InvalidInput("expires_at must carry a time zone")
        if expires <= now:
            raise InvalidInput("expires_at is in the past")
    if emergency is not None and emergency.in_force(now) and emergency.empowers(principal):
        # under the override: the push is the emergency's, and ends with it at the latest
        assert emergency.ends_at is not None
        ends = as_utc(emergency.ends_at)
        expires = ends if expires is None else min(as_utc(expires), ends)
        return domain.Push(content, body.locked, expires, emergency.id)
    return domain.Push(content, body.locked, expires)


def _push(
    session: SessionDep,
    services: ServicesDep,
    principal: Principal,
    walls: list[Wall],
    body: PushIn,
    emergency: Override | None,
) -> list[Wall]:
    now = _now()
    what = _what(session, principal, body, now, emergency)
    done = domain.push(session, services.identity.audit, principal, walls, what, now)
    domain.commit_and_announce(session, services.events, done)
    return done


@router.get("", response_model=WallList)
def list_walls(session: SessionDep, services: ServicesDep, principal: CurrentPrincipal) -> WallList:
    """The walls the caller may see (their agency's; every wall for the command center; every
    wall in scope for those an emergency empowers)."""
    em = services.emergency.override()
    rows = session.scalars(select(Wall).order_by(Wall.name, Wall.id)).all()
    items = [
        _out(session, principal, w, em)
        for w in rows
        if decide_wall(principal, WallAction.VIEW, w, emergency=em)
    ]
    return WallList(items=items, total=len(items))


@router.post("", response_model=WallOut, status_code=status.HTTP_201_CREATED)
def create_wall(
    body: WallIn, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> WallOut:
    """Register a display; allowed to whoever may push to the agency's walls."""
    agency_id = body.agency_id if body.agency_id is not None else principal.agency_id
    if session.get(Agency, agency_id) is None:
        raise InvalidInput(f"no agency {agency_id}")
    wall = Wall(name=body.name, agency_id=agency_id, group=body.group)
    if not decide_wall(principal, WallAction.PUSH, wall):
        raise Forbidden("only a supervisor or the agency's administrator registers its walls")
    session.add(wall)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"a wall named {body.name!r} exists") from None
    detail = {"wall_id": wall.id, "wall": wall.name, "group": wall.group}
    services.identity.audit.append_in(
        session, AuditEntry.by(principal, "wall.create", detail=detail)
    )
    session.commit()
    return _out(session, principal, wall)


@router.post("/push", response_model=WallList)
def push_many(
    body: GroupPushIn, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> WallList:
    """Push to several walls at once: listed ids (all must be the caller's to push to),
    `"all"` (every wall the caller may push to) or a `group`."""
    em = services.emergency.override()
    if body.walls == "all" or body.group is not None:
        stmt = select(Wall).order_by(Wall.id)
        if body.group is not None:
            stmt = stmt.where(Wall.group == body.group)
        walls = [
            w
            for w in session.scalars(stmt)
            if decide_wall(principal, WallAction.PUSH, w, locked=domain.locked(w, _now()),
                           emergency=em)
        ]  # fmt: skip
        if not walls:
            raise NotFound("no wall you may push to matches")
    else:
        assert isinstance(body.walls, list)
        found = domain.lock(session, body.walls)
        unseen = [
            i
            for i in body.walls
            if i not in found or not decide_wall(principal, WallAction.VIEW, found[i], emergency=em)
        ]
        if unseen:
            raise NotFound(f"no wall {', '.join(map(str, unseen))}")
        barred = [
            i
            for i in body.walls
            if not decide_wall(principal, WallAction.PUSH, found[i], emergency=em)
        ]
        if barred:
            raise Forbidden(f"you may not push to wall {', '.join(map(str, barred))}")
        walls = [found[i] for i in dict.fromkeys(body.walls)]
    done = _push(session, services, principal, walls, body, em)
    return WallList(items=[_out(session, principal, w, em) for w in done], total=len(done))


@router.get("/{wall_id}", response_model=WallOut)
def get_wall(
    wall_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> WallOut:
    """What the wall shows now, who pushed it, whether it is locked and until when."""
    em = services.emergency.override()
    wall = _wall(session, principal, wall_id, WallAction.VIEW, for_change=False, emergency=em)
    return _out(session, principal, wall, em)


@router.post("/{wall_id}/push", response_model=WallOut)
def push_one(
    wall_id: int,
    body: PushIn,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> WallOut:
    """Push a layout or an alarm view to one wall (it applies it within a second)."""
    em = services.emergency.override()
    wall = _wall(session, principal, wall_id, WallAction.PUSH, emergency=em)
    _push(session, services, principal, [wall], body, em)
    return _out(session, principal, wall, em)


@router.post("/{wall_id}/ack", response_model=WallOut)
def acknowledge(
    wall_id: int,
    body: AckIn,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> WallOut:
    """The wall page says it applied change `seq` (audited as `wall.apply`)."""
    em = services.emergency.override()
    wall = _wall(session, principal, wall_id, WallAction.VIEW, emergency=em)
    domain.acknowledge(session, services.identity.audit, principal, wall, body.seq)
    session.commit()
    return _out(session, principal, wall, em)


def _clear(
    wall_id: int, action: WallAction, session: SessionDep, services: ServicesDep, p: Principal
) -> WallOut:
    em = services.emergency.override()
    wall = _wall(session, p, wall_id, action, emergency=em)
    now = _now()
    if not domain.active(wall, now):
        raise Conflict(f"wall {wall_id} shows no push")
    if action is WallAction.UNLOCK and not domain.locked(wall, now):
        raise Conflict(f"the push on wall {wall_id} is not locked")
    name = "wall.return" if action is WallAction.RETURN else "wall.unlock"
    decision = decide_wall(p, action, wall, locked=domain.locked(wall, now), emergency=em, now=now)
    domain.clear(
        session, services.identity.audit, p, wall, name, now, emergency_id=decision.emergency_id
    )
    domain.commit_and_announce(session, services.events, [wall])
    return _out(session, p, wall, em)


@router.post("/{wall_id}/return", response_model=WallOut)
def return_local(
    wall_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> WallOut:
    """Back to the wall's own layout; refused (403) while the push is locked, except to its
    pusher and to those who may push to the wall."""
    return _clear(wall_id, WallAction.RETURN, session, services, principal)


@router.post("/{wall_id}/unlock", response_model=WallOut)
def unlock(
    wall_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> WallOut:
    """Lift the lock of the push on show (its pusher, or whoever may push to the wall)."""
    return _clear(wall_id, WallAction.UNLOCK, session, services, principal)
