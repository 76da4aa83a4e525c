"""Turns registry rows into API output, adding each stream's status from the health registry.
The password never reaches this layer's output: only `has_credentials`."""

from __future__ import annotations

from ingest.packet import StreamKey
from ingest.url_policy import redact_url
from vms.db.models.registry import Camera
from vms.logs import scrub
from vms.registry.schemas import CameraOut, PtzSummary, StreamStatus
from vms.site.health import HealthSource


def stream_status(health: HealthSource | None, key: StreamKey) -> StreamStatus:
    """The health registry's view of one stream, as a small summary."""
    if health is None:
        return StreamStatus(state="unknown")
    status = health.get(key)
    if status is None:
        return StreamStatus(state="unknown")
    reason = scrub(status.reason) if status.reason else None
    return StreamStatus(state=status.state.value, detail=reason)


def camera_out(camera: Camera, health: HealthSource | None = None) -> CameraOut:
    """The API shape of a camera (agency, tags and credential must be loaded)."""
    streams = {"main": stream_status(health, StreamKey(camera.id, "main"))}
    if camera.sub_url:
        streams["sub"] = stream_status(health, StreamKey(camera.id, "sub"))
    return CameraOut(
        id=camera.id,
        code=camera.code,
        name_th=camera.name_th,
        name_en=camera.name_en,
        agency_id=camera.agency_id,
        agency_code=camera.agency.code,
        main_url=redact_url(camera.main_url) or "",
        sub_url=redact_url(camera.sub_url),
        latitude=camera.latitude,
        longitude=camera.longitude,
        address=camera.address,
        notes=camera.notes,
        resolution=camera.resolution,
        model=camera.model,
        install_date=camera.install_date,
        tags=camera.tags,
        state=camera.state,
        central_link=camera.central_link,
        pull_mode=camera.pull_mode,
        rtsp_transport=camera.rtsp_transport,
        onvif_url=camera.onvif_url,
        ptz=None if camera.ptz_operations is None else PtzSummary(operations=camera.ptz_operations),
        has_credentials=camera.has_credentials,
        created_at=camera.created_at,
        updated_at=camera.updated_at,
        streams=streams,
    )
