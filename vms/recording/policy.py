"""Which camera streams are recorded continuously, from the registry, `[recording]` and the
governor's emergency.

Continuous: active cameras with the central-link flag (the national 20 % selection) when
`continuous = "central_link"`, every active camera with `"all"`, plus the cameras named in
`camera_codes`; and, while an emergency is in force, every active camera in its scope (forced
on, whatever the policy says, as long as recording is enabled). Blocking (SQL): call in a
thread.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from ingest.packet import StreamKey
from vms.access import scope_clause
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.emergency.override import Override
from vms.recording.config import RecordingConfig


def recorded_streams(
    db: Database,
    config: RecordingConfig,
    emergency: Override | None = None,
    now: datetime | None = None,
) -> list[StreamKey]:
    """The streams to record now, ordered by camera (`emergency`: the declaration open at
    `now`, if any; its cameras are added only while it is in force)."""
    if not config.enabled:
        return []
    chosen: list[ColumnElement[bool]] = []
    if config.continuous == "all":
        chosen.append(true())
    elif config.continuous == "central_link":
        chosen.append(Camera.central_link.is_(True))
    if config.camera_codes:
        chosen.append(Camera.code.in_(config.camera_codes))
    query = select(Camera.id, Camera.sub_url).where(Camera.state == "active", or_(false(), *chosen))
    with db.session() as session:
        cameras: dict[int, str | None] = {i: sub for i, sub in session.execute(query)}
        if emergency is not None and emergency.in_force(now or datetime.now(UTC)):
            cameras.update(forced_cameras(session, emergency))
    keys: list[StreamKey] = []
    for camera_id in sorted(cameras):
        for stream in config.streams:
            if stream == "sub" and not cameras[camera_id]:
                continue
            keys.append(StreamKey(camera_id, stream))
    return keys


def forced_cameras(session: Session, emergency: Override) -> dict[int, str | None]:
    """The active cameras in the emergency's scope (id → sub-stream URL), by the SQL twin of
    `Override.in_scope` the access decision lists cameras with (`vms.access.scope_clause`)."""
    query = select(Camera.id, Camera.sub_url).where(
        Camera.state == "active", scope_clause(emergency)
    )
    return {i: sub for i, sub in session.execute(query)}
