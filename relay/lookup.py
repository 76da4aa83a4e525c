"""Which stream a WHEP viewer asked for, according to the camera registry.

A camera exists for viewers when the registry has it and it is not retired; the bus alone
proves nothing (a channel may outlive its camera). Blocking (SQL): call it in a thread.
"""

from __future__ import annotations

from ingest.packet import StreamKey, StreamKind
from vms.db.engine import Database
from vms.errors import Conflict, NotFound
from vms.registry.cameras import get_camera


def stream_to_watch(db: Database, camera_id: int, stream: StreamKind) -> StreamKey:
    """The bus key to serve for `camera_id`/`stream`.

    NotFound for an unknown or retired camera, Conflict for one only proposed (not pulled
    yet). A camera without a sub stream is served its main stream when `sub` is asked for, so
    a wall tile still shows it.
    """
    with db.session() as session:
        camera = get_camera(session, camera_id)
        state, has_sub = camera.state, bool(camera.sub_url)
    if state == "retired":
        raise NotFound(f"camera {camera_id} is retired")
    if state != "active":
        raise Conflict(f"camera {camera_id} is {state}, not active: it is not pulled yet")
    if stream == "sub" and not has_sub:
        stream = "main"
    return StreamKey(camera_id, stream)
