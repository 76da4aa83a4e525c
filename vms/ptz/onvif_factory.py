"""The driver factory the PTZ control plane is given: camera id -> its ONVIF driver, built
from the camera's `onvif_url` and its stored credentials, or None without an ONVIF address.

The address is checked against the site's camera networks (the same policy as on save) every
time a driver is opened, after a fresh DNS lookup: a name that resolved to a camera when it
was saved may lead somewhere else now."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ingest.url_policy import CameraUrlPolicy, InvalidCameraUrl, check_destination
from vms.credentials.store import reveal
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.ptz.driver import CameraUnreachable, PtzDriver
from vms.ptz.onvif_driver import DEFAULT_TIMEOUT_S, OnvifPtzDriver


def _lookup(db: Database, camera_id: int) -> tuple[str, str | None, str | None] | None:
    with db.session() as session:
        camera = session.scalars(
            select(Camera).where(Camera.id == camera_id).options(selectinload(Camera.credential))
        ).one_or_none()
        if camera is None or not camera.onvif_url:
            return None
        cred = reveal(session, camera)
        return camera.onvif_url, cred[0] if cred else None, cred[1] if cred else None


def _check(policy: CameraUrlPolicy, camera_id: int, url: str) -> None:
    try:
        check_destination(url, policy.networks, policy.refused_ports, strict_names=True)
    except InvalidCameraUrl as exc:
        raise CameraUnreachable(
            f"camera {camera_id}: its ONVIF address is refused now: {exc}"
        ) from None


def onvif_factory(
    db: Database, policy: CameraUrlPolicy, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Callable[[int], Awaitable[PtzDriver | None]]:
    """A `vms.ptz.control.DriverFactory` over the registry (database reads and DNS off the
    loop); CameraUnreachable when the address leads outside `policy` at connect time."""

    async def factory(camera_id: int) -> PtzDriver | None:
        found = await asyncio.to_thread(_lookup, db, camera_id)
        if found is None:
            return None
        url, username, password = found
        await asyncio.to_thread(_check, policy, camera_id, url)
        return OnvifPtzDriver(url, username, password, timeout_s=timeout_s)

    return factory
