"""Whether a wall (or a page) is in an emergency's scope, so that the banner shows there only.

A wall is in scope when the whole province is, when its owning agency is listed, or when any
camera on it now is in scope (its agency listed, or one of its tags): the cameras of the push
it shows (known to the server) and those the page says it shows (its own layout, which only the
browser knows). A page that is not a registered wall counts as its user's agency. The cameras a
page names count only if the caller may watch them, so the answer cannot be used to learn the
agency or tags of a camera one may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vms.access import decide
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Camera
from vms.db.models.walls import Wall
from vms.emergency.override import Override
from vms.walls import active, content_cameras


def page_in_scope(
    session: Session,
    principal: Principal,
    override: Override,
    wall: Wall | None,
    camera_ids: Sequence[int],
    now: datetime,
) -> bool:
    """Whether the banner belongs on this wall (or, without one, on this user's page)."""
    if override.scope_all:
        return True
    owner = wall.agency_id if wall is not None else principal.agency_id
    if owner in override.agency_ids:
        return True
    named = {int(c) for c in camera_ids}
    pushed: set[int] = set()
    if wall is not None and wall.content is not None and active(wall, now):
        pushed = {int(ref) for ref in content_cameras(wall.content) if ref.isdigit()}
    wanted = sorted(named | pushed)
    if not wanted:
        return False
    cameras = session.scalars(
        select(Camera).where(Camera.id.in_(wanted)).options(selectinload(Camera.tag_rows))
    )
    for camera in cameras:
        if not override.in_scope(camera):
            continue
        if camera.id in pushed:
            return True
        if decide(principal, Permission.VIEW_LIVE, camera, now, emergency=override):
            return True
    return False
