"""Per-camera ingest status and snapshots: `/api/v1/cameras/{id}/status`, `.../snapshot.jpg`.

Thin on purpose: the work is in ingest/ (health, snapshot). A camera is known here when
ingest was asked to pull it; access checks are added by the auth layer.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from ingest.packet import StreamKey
from ingest.snapshot import MAX_WIDTH, MIN_WIDTH, SnapshotUnavailable
from vms.access import Decision, require
from vms.api.deps import CurrentPrincipal, ServicesDep
from vms.audit import AuditEntry
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Camera
from vms.errors import NotFound, Unavailable
from vms.services import Services
from vms.site.routing import FORWARD_RESPONSES, elsewhere

router = APIRouter(prefix="/api/v1/cameras", tags=["status"])

CameraId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Camera id")]


def _known_streams(services: Services, camera_id: int) -> list[StreamKey]:
    keys = [StreamKey(camera_id, "main"), StreamKey(camera_id, "sub")]
    specs = {spec.key for spec in services.ingest.specs()}
    known = [k for k in keys if k in specs or services.health.get(k) is not None]
    if not known:
        raise NotFound(f"no camera {camera_id} is being pulled")
    return known


def _check(services: Services, principal: Principal, camera_id: int) -> tuple[Decision, int]:
    """Allow or raise; the decision and the camera's agency (blocking: SQL)."""
    missing = f"no camera {camera_id} is being pulled"
    with services.db.session() as session:
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise NotFound(missing)
        emergency = services.emergency.override()
        decision = require(
            principal, Permission.VIEW_LIVE, camera, not_found=missing, emergency=emergency
        )
        return decision, camera.agency_id


def _audit_snapshot(
    services: Services, principal: Principal, camera_id: int, agency_id: int, emergency_id: int
) -> None:
    """A snapshot only the override allowed is a view under it: recorded, marked (blocking)."""
    detail = {"emergency_id": emergency_id, "under_emergency": True}
    entry = AuditEntry.by(principal, "view.snapshot", camera_id=camera_id,
                          camera_agency_id=agency_id, detail=detail)  # fmt: skip
    services.identity.audit.append(entry)


@router.get("/{camera_id}/status", response_model=None, responses={**FORWARD_RESPONSES})
async def camera_status(
    request: Request, camera_id: CameraId, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any] | Response:
    """State of each stream of the camera: online/offline/..., the reason, fps, bitrate, and
    the node of the site pulling it (asked of another node, it answers through that one)."""
    await asyncio.to_thread(_check, services, principal, camera_id)
    answer = await elsewhere(request, services.site, camera_id)
    if answer is not None:
        return answer
    node = services.site.node_name
    streams: dict[str, Any] = {}
    for key in _known_streams(services, camera_id):
        health = services.health.get(key)
        streams[key.stream] = (health.to_dict() if health else {"state": "starting"}) | {
            "node": node
        }
    return {"camera_id": camera_id, "node": node, "streams": streams}


@router.get(
    "/{camera_id}/snapshot.jpg",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        503: {"description": "no picture now"},
        **FORWARD_RESPONSES,
    },
)
async def camera_snapshot(
    request: Request,
    camera_id: CameraId,
    services: ServicesDep,
    principal: CurrentPrincipal,
    stream: Literal["main", "sub"] = "main",
    width: Annotated[int | None, Query(ge=MIN_WIDTH, le=MAX_WIDTH)] = None,
) -> Response:
    """A JPEG of the camera's latest keyframe, optionally scaled to `width` pixels."""
    decision, agency_id = await asyncio.to_thread(_check, services, principal, camera_id)
    answer = await elsewhere(request, services.site, camera_id)
    if answer is not None:
        return answer
    key = StreamKey(camera_id, stream)
    if key not in _known_streams(services, camera_id):
        raise NotFound(f"camera {camera_id} has no {stream} stream")
    try:
        jpeg = await services.snapshots.jpeg(key, width)
    except SnapshotUnavailable as exc:
        raise Unavailable(
            str(exc), details={"retry_after_s": 2}, headers={"Retry-After": "2"}
        ) from None
    if decision.emergency_id is not None:
        await asyncio.to_thread(
            _audit_snapshot, services, principal, camera_id, agency_id, decision.emergency_id
        )
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
