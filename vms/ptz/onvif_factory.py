"""The driver factory the PTZ control plane is given: camera id -> its ONVIF driver, built
from the camera's `onvif_url` and its stored credentials, or None without an ONVIF address."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.ptz.driver import PtzDriver
from vms.ptz.onvif_driver import DEFAULT_TIMEOUT_S, OnvifPtzDriver


def _lookup(db: Database, camera_id: int) -> tuple[str, str | None, str | None] | None:
    with db.session() as session:
        camera = session.scalars(
            select(Camera).where(Camera.id == camera_id).options(selectinload(Camera.credential))
        ).one_or_none()
        if camera is None or not camera.onvif_url:
            return None
        cred = camera.credential
        return camera.onvif_url, cred.username if cred else None, cred.password if cred else None


def onvif_factory(
    db: Database, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Callable[[int], Awaitable[PtzDriver | None]]:
    """A `vms.ptz.control.DriverFactory` over the registry (database reads off the loop)."""

    async def factory(camera_id: int) -> PtzDriver | None:
        found = await asyncio.to_thread(_lookup, db, camera_id)
        if found is None:
            return None
        url, username, password = found
        return OnvifPtzDriver(url, username, password, timeout_s=timeout_s)

    return factory
