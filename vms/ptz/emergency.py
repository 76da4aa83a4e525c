"""PTZ control sessions at the edges of an emergency.

When a declaration takes effect, every live session on a camera in its scope that was not taken
under it is ended (`ptz.release`, reason "emergency ..."), and its holder is told why by the
`ptz.taken_over` notice: the governor's office then steers without waiting for a session to
lapse, and a maintenance reservation cannot stand in its way. The holders are not queued for
later: once it ends, they take control again like anybody else (nothing is silently resurrected).

When it is ended, every session taken under it is ended the same way. When it expires, those
sessions lapse by themselves at `ends_at` (a session taken under an override never lasts past
it, `PtzControl.take`), so a crash cannot leave the governor holding a camera.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vms.auth.principal import Principal
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.emergency.override import Override
from vms.ptz.arbitration import Holder
from vms.ptz.control import PtzControl, Target


@dataclass(frozen=True, slots=True)
class _Cam:
    id: int
    agency_id: int
    tags: tuple[str, ...]
    central_link: bool = False


def _cameras(db: Database, ids: list[int]) -> dict[int, _Cam]:
    if not ids:
        return {}
    with db.session() as session:
        rows = session.scalars(
            select(Camera).where(Camera.id.in_(ids)).options(selectinload(Camera.tag_rows))
        )
        return {c.id: _Cam(c.id, c.agency_id, tuple(c.tags or ()), c.central_link) for c in rows}


async def take_over_sessions(
    ptz: PtzControl, db: Database, principal: Principal, override: Override, why: str
) -> list[tuple[int, Holder]]:
    """End every live session on the cameras in the override's scope not taken under it; the
    (camera id, holder) pairs ended. `principal` is who made it take effect, `why` its words."""
    held = await ptz.store.sessions()
    cameras = await asyncio.to_thread(_cameras, db, list(held))
    ended: list[tuple[int, Holder]] = []
    for camera_id, holder in held.items():
        camera = cameras.get(camera_id)
        if camera is None or not override.in_scope(camera) or holder.emergency_id == override.id:
            continue

        def same_session(h: Holder, was: Holder = holder) -> bool:
            return h.user_id == was.user_id and h.emergency_id != override.id

        detail = {"emergency_id": override.id, "under_emergency": True, "edge": "declared"}
        prev = await ptz.end_session(
            principal, Target(camera.id, camera.agency_id), same_session, detail, why
        )
        if prev is not None:
            ended.append((camera_id, prev))
    return ended


async def release_sessions(
    ptz: PtzControl, db: Database, principal: Principal, emergency_id: int, why: str
) -> list[tuple[int, Holder]]:
    """End every live session taken under emergency `emergency_id` (it was ended)."""
    held = await ptz.store.sessions()
    mine = {cam: h for cam, h in held.items() if h.emergency_id == emergency_id}
    cameras = await asyncio.to_thread(_cameras, db, list(mine))
    ended: list[tuple[int, Holder]] = []
    for camera_id in mine:
        camera = cameras.get(camera_id)
        if camera is None:
            continue  # not a camera of this site (its record is gone): it lapses by itself
        detail = {"emergency_id": emergency_id, "under_emergency": True, "edge": "ended"}
        prev = await ptz.end_session(
            principal,
            Target(camera_id, camera.agency_id),
            lambda h: h.emergency_id == emergency_id,
            detail,
            why,
        )
        if prev is not None:
            ended.append((camera_id, prev))
    return ended
