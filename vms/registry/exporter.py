"""Export of the camera inventory in the import's own format, so export -> import changes
nothing. Credentials are never exported (nor a secret an old URL may hold); formula-like text
is neutralised by the writer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest.url_policy import redact_url
from vms.db.models.registry import Camera
from vms.registry.cameras import all_cameras
from vms.registry.spreadsheet import Cell, Format, write_table

EXPORT_COLUMNS: tuple[str, ...] = (
    "code", "name_th", "name_en", "agency", "agency_kind", "agency_name_th", "agency_name_en",
    "main_url", "sub_url", "latitude", "longitude", "address", "resolution", "model",
    "install_date", "tags", "state", "central_link", "pull_mode", "rtsp_transport",
    "onvif_url", "notes",
)  # fmt: skip

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def camera_row(camera: Camera) -> list[Cell]:
    """One camera as export cells, in EXPORT_COLUMNS order."""
    agency = camera.agency
    return [
        camera.code, camera.name_th, camera.name_en, agency.code, agency.kind, agency.name_th,
        agency.name_en, redact_url(camera.main_url), redact_url(camera.sub_url), camera.latitude,
        camera.longitude, camera.address, camera.resolution, camera.model, camera.install_date,
        ", ".join(camera.tags), camera.state, "yes" if camera.central_link else "no",
        camera.pull_mode, camera.rtsp_transport, camera.onvif_url, camera.notes,
    ]  # fmt: skip


def export_cameras(session: Session, fmt: Format, *, agency_id: int | None = None) -> bytes:
    """Every camera (of `agency_id`, when given; retired included: the inventory is history
    too) as CSV or XLSX bytes."""
    cameras = all_cameras(session)
    if agency_id is not None:
        cameras = [c for c in cameras if c.agency_id == agency_id]
    rows = [camera_row(camera) for camera in cameras]
    return write_table(EXPORT_COLUMNS, rows, fmt)
