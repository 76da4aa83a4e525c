"""Walls steered from the command center: push, apply, return, unlock, and what a wall shows.

Each change to a wall writes the wall row and its audit record in the caller's unit of work
(`AuditTrail.append_in`); `commit_and_announce` commits it and only then publishes
`wall.state` on the event bus, so a wall page in any process reloads a state that exists.
What a wall shows is computed for the one looking (`present`): a camera the viewer may not
watch becomes a "not permitted" tile that carries no camera id, so no video can be asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vms.access import WallAction, as_utc, decide, decide_wall
from vms.audit import AuditEntry, AuditTrail
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Camera
from vms.db.models.walls import Wall
from vms.emergency.override import Override
from vms.errors import Conflict, InvalidInput
from vms.events import EventBus

TOPIC = "wall.state"
ALARM_GRIDS = ("1", "4", "9", "16", "25")
ALARM_SIZES = {"1": 1, "4": 4, "9": 9, "16": 16, "25": 25}


def lock(session: Session, ids: Iterable[int]) -> dict[int, Wall]:
    """Load walls for a change, row-locked until the unit of work ends and in id order, so two
    pushes to overlapping walls neither lose a change nor deadlock. Callers change the walls
    and flush before appending audit records, so the audit chain's lock is always taken last.
    """
    wanted = sorted(set(ids))
    stmt = select(Wall).where(Wall.id.in_(wanted)).order_by(Wall.id)
    if session.get_bind().dialect.name == "sqlite":
        # a write statement takes SQLite's one write lock first (no row locks there)
        session.execute(update(Wall).where(Wall.id.in_(wanted)).values(seq=Wall.seq))
    else:
        stmt = stmt.with_for_update()
    rows = session.scalars(stmt.execution_options(populate_existing=True))
    return {w.id: w for w in rows}


def active(wall: Wall, now: datetime) -> bool:
    """Whether a push is showing now (pushed, and not past its expiry)."""
    if wall.content is None:
        return False
    return wall.expires_at is None or as_utc(now) < as_utc(wall.expires_at)


def locked(wall: Wall, now: datetime) -> bool:
    """Whether the wall shows a locked push now."""
    return wall.locked and active(wall, now)


def content_cameras(content: dict[str, Any]) -> list[str]:
    """Every camera id a pushed layout names, in order, once each."""
    seen: dict[str, None] = {}
    for tile in content.get("tiles") or []:
        if tile.get("camera_id") is not None:
            seen[str(tile["camera_id"])] = None
        tour = tile.get("tour") or {}
        for cid in tour.get("camera_ids") or []:
            seen[str(cid)] = None
    return list(seen)


def _camera(session: Session, ref: str) -> Camera | None:
    if not ref.isdigit():
        return None
    return session.get(Camera, int(ref))


def check_cameras(
    session: Session,
    principal: Principal,
    refs: Sequence[str],
    now: datetime,
    emergency: Override | None = None,
) -> None:
    """422 naming every camera that does not exist for the pusher (missing or not visible to
    them: the same answer, so a push cannot probe another agency's registry)."""
    missing = []
    for ref in refs:
        camera = _camera(session, ref)
        if camera is None or not decide(
            principal, Permission.VIEW_LIVE, camera, now, emergency=emergency
        ):
            missing.append(ref)
    if missing:
        raise InvalidInput(f"no such camera: {', '.join(missing)}")


def alarm_content(title: str, camera_ids: Sequence[str]) -> dict[str, Any]:
    """An alarm view as a layout: the smallest square grid that holds its cameras."""
    grid = next(g for g in ALARM_GRIDS if ALARM_SIZES[g] >= len(camera_ids))
    tiles = [{"camera_id": cid, "tour": None} for cid in camera_ids]
    return {"kind": "alarm", "title": title, "grid": grid, "tiles": tiles}


def layout_content(grid: str, tiles: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "layout", "title": None, "grid": grid, "tiles": tiles}


def under_emergency(emergency_id: int | None) -> dict[str, Any]:
    """The audit mark of an act under the governor's override (the receipts read it)."""
    if emergency_id is None:
        return {}
    return {"emergency_id": emergency_id, "under_emergency": True}


def _detail(wall: Wall, **extra: Any) -> dict[str, Any]:
    return {"wall_id": wall.id, "wall": wall.name, "seq": wall.seq, **extra}


@dataclass(frozen=True, slots=True)
class Push:
    """What to show, whether the local operator may leave it, and until when."""

    content: dict[str, Any]
    locked: bool
    expires_at: datetime | None
    emergency_id: int | None = None  # pushed under this emergency declaration


def push(
    session: Session,
    trail: AuditTrail,
    principal: Principal,
    walls: Iterable[Wall],
    what: Push,
    now: datetime,
) -> list[Wall]:
    """Put `what` on every wall (locked by `lock`, and the caller has checked it may), one
    audit record each."""
    done = sorted(walls, key=lambda w: w.id)
    for wall in done:
        wall.content = what.content
        wall.locked = what.locked
        wall.expires_at = what.expires_at
        wall.emergency_id = what.emergency_id
        wall.pushed_by = principal.username
        wall.pushed_by_user_id = principal.user_id
        wall.pushed_by_agency_id = principal.agency_id
        wall.pushed_at = now
        wall.seq = (wall.seq or 0) + 1
    session.flush()
    for wall in done:
        detail = _detail(
            wall,
            kind=what.content["kind"],
            locked=what.locked,
            expires_at=what.expires_at.isoformat() if what.expires_at else None,
            cameras=content_cameras(what.content),
            **under_emergency(what.emergency_id),
        )  # fmt: skip
        trail.append_in(session, AuditEntry.by(principal, "wall.push", detail=detail), now)
    return done


def acknowledge(
    session: Session, trail: AuditTrail, principal: Principal, wall: Wall, seq: int
) -> Wall:
    """The wall applied change `seq` (audited as `wall.apply`; an old or repeated ack is 409)."""
    if seq != wall.seq:
        raise Conflict(f"wall {wall.id} is at change {wall.seq}, not {seq}")
    if wall.acked_seq == seq:
        return wall
    wall.acked_seq = seq
    session.flush()
    detail = _detail(wall, pushed_by=wall.pushed_by, **under_emergency(wall.emergency_id))
    entry = AuditEntry.by(principal, "wall.apply", detail=detail)
    trail.append_in(session, entry)
    return wall


def clear(
    session: Session,
    trail: AuditTrail,
    principal: Principal,
    wall: Wall,
    action: str,
    now: datetime,
    *,
    emergency_id: int | None = None,
) -> Wall:
    """End the push: back to the local layout (`wall.return`) or lift the lock (`wall.unlock`,
    the push stays on screen unlocked). Marked as done under an emergency when the push was
    made under one, or when only the override (`emergency_id`) allowed the act."""
    was = {
        "pushed_by": wall.pushed_by,
        "locked": locked(wall, now),
        **under_emergency(emergency_id or wall.emergency_id),
    }
    if action == "wall.return":
        wall.content = None
        wall.locked = False
        wall.expires_at = None
        wall.emergency_id = None
    else:
        wall.locked = False
    wall.seq = (wall.seq or 0) + 1
    session.flush()
    trail.append_in(session, AuditEntry.by(principal, action, detail=_detail(wall, **was)), now)
    return wall


def follow_emergency(
    session: Session,
    trail: AuditTrail,
    principal: Principal,
    emergency_id: int,
    now: datetime,
    *,
    old_end: datetime | None = None,
    new_end: datetime | None = None,
) -> list[Wall]:
    """The walls pushed under an emergency follow it, in its own unit of work: ended
    (`new_end` None), each goes back to its own layout (`wall.return`, audited as done by the
    one who ended it); extended, pushes that were to end with it last to `new_end`. A wall
    someone pushed again since (no longer under the emergency) is left alone."""
    ids = session.scalars(select(Wall.id).where(Wall.emergency_id == emergency_id)).all()
    walls = list(lock(session, ids).values())
    changed = []
    for wall in walls:
        if not active(wall, now):
            continue
        if new_end is None:
            changed.append(clear(session, trail, principal, wall, "wall.return", now))
        elif wall.expires_at is not None and old_end is not None:
            if as_utc(wall.expires_at) >= as_utc(old_end):
                wall.expires_at = new_end
                wall.seq = (wall.seq or 0) + 1
                changed.append(wall)
    session.flush()
    return changed


def commit_and_announce(session: Session, events: EventBus, walls: Iterable[Wall]) -> None:
    """Commit the unit of work, then tell every process which walls changed."""
    changed = [(w.id, w.seq) for w in walls]
    session.commit()
    for wall_id, seq in changed:
        events.publish(TOPIC, {"wall_id": wall_id, "seq": seq})


def _tile_for(
    session: Session, principal: Principal, tile: dict[str, Any], now: datetime
) -> dict[str, Any]:
    def allowed(ref: object) -> bool:
        camera = _camera(session, str(ref))
        return camera is not None and bool(decide(principal, Permission.VIEW_LIVE, camera, now))

    denied = {"camera_id": None, "tour": None, "permitted": False}
    if tile.get("camera_id") is not None:
        if not allowed(tile["camera_id"]):
            return denied
        return {"camera_id": str(tile["camera_id"]), "tour": None, "permitted": True}
    tour = tile.get("tour")
    if tour:
        ids = [str(c) for c in tour.get("camera_ids") or [] if allowed(c)]
        if not ids:
            return denied
        return {
            "camera_id": None,
            "tour": {"camera_ids": ids, "interval_s": tour.get("interval_s", 10)},
            "permitted": True,
        }
    return {"camera_id": None, "tour": None, "permitted": True}


def present(
    session: Session,
    principal: Principal,
    wall: Wall,
    now: datetime,
    emergency: Override | None = None,
) -> dict[str, Any]:
    """The wall as `principal` may see it (the body of `GET /api/v1/walls/{id}`)."""
    showing = active(wall, now)
    content = None
    if showing and wall.content is not None:
        content = {
            "kind": wall.content.get("kind", "layout"),
            "title": wall.content.get("title"),
            "grid": wall.content["grid"],
            "tiles": [_tile_for(session, principal, t, now) for t in wall.content["tiles"]],
        }
    is_locked = locked(wall, now)
    em = emergency
    return {
        "id": wall.id,
        "name": wall.name,
        "agency_id": wall.agency_id,
        "group": wall.group,
        "mode": "pushed" if showing else "local",
        "content": content,
        "pushed_by": wall.pushed_by if showing else None,
        "pushed_at": as_utc(wall.pushed_at) if showing and wall.pushed_at else None,
        "locked": is_locked,
        "expires_at": as_utc(wall.expires_at) if showing and wall.expires_at else None,
        "seq": wall.seq,
        "acked_seq": wall.acked_seq,
        "emergency_id": wall.emergency_id if showing else None,
        "can_push": bool(decide_wall(principal, WallAction.PUSH, wall, emergency=em)),
        "can_return": showing
        and bool(decide_wall(principal, WallAction.RETURN, wall, locked=is_locked, emergency=em)),
        "can_unlock": is_locked
        and bool(decide_wall(principal, WallAction.UNLOCK, wall, emergency=em)),
    }
