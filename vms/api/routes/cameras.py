"""Cameras: `/api/v1/cameras`. CRUD (DELETE retires), filtered Thai-aware listing with each
stream's status, and bulk import/export of the inventory (CSV/XLSX).

Route bodies stay thin: the work is in vms/registry/. A change commits first, then publishes
`camera.changed` so the camera sync reconciles ingest with what is stored.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Response, UploadFile, status
from pydantic import ValidationError

from ingest.url_policy import check_destination
from vms.access import (
    camera_clause,
    require_agency,
    require_camera,
)
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.api.import_run import (
    AGENCY_HELP,
    MAPPING_HELP,
    ImportRequest,
    import_scope,
    parse_mapping,
    read_upload,
    run_import,
)
from vms.audit import AuditEntry
from vms.auth.roles import Permission
from vms.db.models.registry import Camera, CameraState
from vms.errors import InvalidInput
from vms.inputs import MAX_INT
from vms.ptz.onvif_probe import discover, ptz_operations
from vms.ptz.onvif_url import check_onvif_url
from vms.registry import cameras
from vms.registry.exporter import MEDIA_TYPES, export_cameras
from vms.registry.importer import ImportReport
from vms.registry.present import camera_out
from vms.registry.schemas import (
    CameraCreate,
    CameraOnvifCreate,
    CameraOut,
    CameraPage,
    CameraUpdate,
)
from vms.registry.url_policy import url_policy
from vms.services import Services

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])

CAMERA_CHANGED = "camera.changed"


def _changed(services: Services, action: str, camera_ids: list[int], **extra: Any) -> None:
    services.events.publish(CAMERA_CHANGED, {"action": action, "camera_ids": camera_ids, **extra})


def _audit(services: Services, principal: CurrentPrincipal, action: str, camera: Camera) -> None:
    entry = AuditEntry.by(principal, action, camera_id=camera.id, camera_agency_id=camera.agency_id)
    services.identity.audit.append(entry)


def _out(services: Services, camera: Camera) -> CameraOut:
    site = getattr(services, "site", None)  # the site's view: cameras pulled by other nodes too
    return camera_out(camera, site.health_view if site else getattr(services, "health", None))


@router.get("")
def list_cameras(
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
    agency_id: int | None = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    state: CameraState | None = None,
    central_link: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in code/name/place")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> CameraPage:
    """Cameras ordered by code; `q` matches code, Thai/English names, address, model, tags."""
    filters = cameras.CameraFilter(agency_id, tag, state, central_link, q)
    override = services.emergency.override()
    visible = camera_clause(principal, Permission.VIEW_LIVE, datetime.now(UTC), emergency=override)
    total, rows = cameras.list_cameras(session, filters, limit=limit, offset=offset, where=visible)
    items = [_out(services, camera) for camera in rows]
    return CameraPage(total=total, limit=limit, offset=offset, items=items)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_camera(
    body: CameraCreate, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> CameraOut:
    """Register a camera; 409 on a taken code, 422 naming a refused URL field."""
    missing = f"no agency with id {body.agency_id}"
    require_agency(principal, Permission.MANAGE_CAMERAS, body.agency_id, not_found=missing)
    policy = url_policy(services.settings)
    camera = cameras.create_camera(session, body, policy)
    session.commit()
    _changed(services, "created", [camera.id])
    _audit(services, principal, "camera.create", camera)
    return _out(services, camera)


@router.post(
    "/onvif",
    status_code=status.HTTP_201_CREATED,
    responses={424: {"description": "the camera is unreachable, refused the credentials, "
                     "or answered with an error (the message names which)"}},
)  # fmt: skip
def create_camera_by_onvif(
    body: CameraOnvifCreate, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> CameraOut:
    """Register a camera by its ONVIF device service and credentials: main and sub stream
    URLs come from the camera's GetProfiles / GetStreamUri (unless given). 422 on a refused
    address, 424 naming the problem if the camera is unreachable, refuses the credentials or
    gives no stream address."""
    missing = f"no agency with id {body.agency_id}"
    require_agency(principal, Permission.MANAGE_CAMERAS, body.agency_id, not_found=missing)
    try:
        onvif_url = check_onvif_url(body.onvif_url)
    except ValueError as exc:
        problem = str(exc)
        raise InvalidInput(
            f"onvif_url: {problem}", details=[{"field": "onvif_url", "problem": problem}]
        ) from None
    policy = url_policy(services.settings)
    # the camera networks bound where the server connects: checked before any connection
    try:
        check_destination(onvif_url, policy.networks, policy.refused_ports, strict_names=True)
    except ValueError as exc:
        problem = str(exc)
        raise InvalidInput(
            f"onvif_url: {problem}", details=[{"field": "onvif_url", "problem": problem}]
        ) from None
    # A worker thread (this route is sync): its own short event loop for the camera's answers.
    found = asyncio.run(discover(onvif_url, body.username, body.password))
    operations = asyncio.run(ptz_operations(onvif_url, body.username, body.password))
    values = body.model_dump(exclude_unset=True) | {"onvif_url": onvif_url}
    for field, answer in (("main_url", found.main_url), ("sub_url", found.sub_url),
                          ("model", found.model and found.model[:200])):  # fmt: skip
        if values.get(field) is None:
            values[field] = answer
    try:
        create = CameraCreate.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise InvalidInput(f"{where}: {error['msg']}") from None
    camera = cameras.create_camera(session, create, policy)
    camera.ptz_operations = operations
    session.commit()
    _changed(services, "created", [camera.id])
    _audit(services, principal, "camera.create", camera)
    return _out(services, camera)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "The file"}},
)
def export(
    session: SessionDep,
    principal: CurrentPrincipal,
    format: Literal["csv", "xlsx"] = "csv",
    agency_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> Response:
    """The inventory in the import format (no credentials): a system administrator's of every
    agency (or `agency_id`'s), an agency administrator's of their own agency."""
    scope = import_scope(session, principal, agency_id)
    data = export_cameras(session, format, agency_id=scope)
    disposition = f'attachment; filename="cameras.{format}"'
    return Response(data, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": disposition})  # fmt: skip


@router.post(
    "/import",
    responses={
        403: {"description": "Not allowed to manage cameras"},
        404: {"description": "No such agency (or another agency's)"},
        413: {"description": "File over 10 MB"},
        422: {"description": "Not a readable CSV/XLSX, no code column, or a bad mapping"},
    },
)
def import_file(
    file: UploadFile,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
    dry_run: Annotated[bool, Form()] = False,
    dry_run_query: Annotated[bool, Query(alias="dry_run")] = False,
    move_cameras: Annotated[bool, Form()] = False,
    move_cameras_query: Annotated[bool, Query(alias="move_cameras")] = False,
    mapping: Annotated[str | None, Form(max_length=64_000, description=MAPPING_HELP)] = None,
    agency_id: Annotated[int | None, Form(ge=1, le=MAX_INT, description=AGENCY_HELP)] = None,
) -> ImportReport:
    """Upsert cameras from a CSV/XLSX by camera code: all rows or none. `dry_run` (form or
    query) only reports. A row naming another agency for an existing camera is refused unless
    `move_cameras` (form or query) is set and the caller manages both agencies; an agency named
    ambiguously is refused. The report says what each column was read as (`columns`), which
    it did not know (`unknown_columns`: map them with `mapping`) and which agency names
    (`unknown_agencies`). An applied import remembers `mapping` for `agency_id`. 413 over
    10 MB; 422 if the file is not a readable CSV/XLSX."""
    request = ImportRequest(
        data=read_upload(file),
        filename=file.filename,
        dry_run=dry_run or dry_run_query,
        move_cameras=move_cameras or move_cameras_query,
        mapping=parse_mapping(mapping),
        agency_id=agency_id,
    )
    return run_import(session, services, principal, request)


@router.get("/{camera_id}")
def get_camera(
    camera_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> CameraOut:
    """One camera with its streams' status."""
    missing = f"no camera with id {camera_id}"
    override = services.emergency.override()
    require_camera(
        session, principal, Permission.VIEW_LIVE, camera_id, not_found=missing, emergency=override
    )
    return _out(services, cameras.get_camera(session, camera_id))


@router.patch("/{camera_id}")
def update_camera(
    camera_id: int,
    body: CameraUpdate,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> CameraOut:
    """Change the fields sent (username+password together; both null removes them)."""
    missing = f"no camera with id {camera_id}"
    require_camera(session, principal, Permission.MANAGE_CAMERAS, camera_id, not_found=missing)
    if body.agency_id is not None:
        moved = f"no agency with id {body.agency_id}"
        require_agency(principal, Permission.MANAGE_CAMERAS, body.agency_id, not_found=moved)
    policy = url_policy(services.settings)
    camera = cameras.update_camera(session, camera_id, body, policy)
    session.commit()
    _changed(services, "updated", [camera.id])
    _audit(services, principal, "camera.update", camera)
    return _out(services, camera)


@router.delete("/{camera_id}")
def retire_camera(
    camera_id: int, session: SessionDep, services: ServicesDep, principal: CurrentPrincipal
) -> CameraOut:
    """Retire (never delete) a camera: it stops being pulled and stays in the inventory."""
    missing = f"no camera with id {camera_id}"
    require_camera(session, principal, Permission.MANAGE_CAMERAS, camera_id, not_found=missing)
    camera = cameras.retire_camera(session, camera_id)
    session.commit()
    _changed(services, "retired", [camera.id])
    _audit(services, principal, "camera.retire", camera)
    return _out(services, camera)
