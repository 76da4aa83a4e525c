"""Which camera streams are recorded continuously, from the registry and `[recording]`.

Continuous: active cameras with the central-link flag (the national 20 % selection) when
`continuous = "central_link"`, every active camera with `"all"`, plus the cameras named in
`camera_codes`. Blocking (SQL): call in a thread.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from ingest.packet import StreamKey
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.recording.config import RecordingConfig


def recorded_streams(db: Database, config: RecordingConfig) -> list[StreamKey]:
    """The streams to record now, ordered by camera."""
    if not config.enabled:
        return []
    chosen: list[ColumnElement[bool]] = []
    if config.continuous == "all":
        chosen.append(true())
    elif config.continuous == "central_link":
        chosen.append(Camera.central_link.is_(True))
    if config.camera_codes:
        chosen.append(Camera.code.in_(config.camera_codes))
    query = (
        select(Camera.id, Camera.sub_url)
        .where(Camera.state == "active", or_(false(), *chosen))
        .order_by(Camera.id)
    )
    keys: list[StreamKey] = []
    with db.session() as session:
        for camera_id, sub_url in session.execute(query):
            for stream in config.streams:
                if stream == "sub" and not sub_url:
                    continue
                keys.append(StreamKey(camera_id, stream))
    return keys
