"""One import as the API runs it, for the synchronous route and for import jobs alike: who may
import for which agency, the remembered mapping merged with this upload's, the import itself,
and after an applied import: the mapping remembered and the audit record in the transaction
of the cameras, the commit, then the event."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import UploadFile
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vms.access import decide_agency, require_agency, require_global
from vms.audit import AuditEntry
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Agency
from vms.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from vms.registry.import_mappings import MappingIn, merged, remember
from vms.registry.importer import ImportOptions, ImportReport, import_cameras
from vms.registry.spreadsheet import MAX_FILE_BYTES
from vms.registry.url_policy import url_policy
from vms.services import Services

CAMERA_CHANGED = "camera.changed"
MAPPING_HELP = (
    'JSON {"columns": {"header as written": "field|tags|notes|ignore"}, '
    '"agencies": {"agency name as written": agency_id}}; merged over the remembered mapping'
)
AGENCY_HELP = (
    "The agency imported for: owns rows without an agency, keeps the mapping (an agency "
    "administrator's own agency by default)"
)


@dataclass(slots=True)
class ImportRequest:
    """What the person sent: the file and their choices."""

    data: bytes
    filename: str | None
    dry_run: bool
    move_cameras: bool
    mapping: MappingIn
    agency_id: int | None


def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes; 413 over the limit (before reading it all), 422 if empty."""
    limit = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it"
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise PayloadTooLarge(limit)
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(limit)
    if not data:
        raise InvalidInput("the file is empty")
    return data


def parse_mapping(text: str | None) -> MappingIn:
    """The `mapping` form field: JSON {"columns": {header: target}, "agencies": {name: id}}."""
    if not text:
        return MappingIn()
    try:
        return MappingIn.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise InvalidInput(f"mapping: not a valid mapping ({detail})") from None


def import_scope(session: Session, principal: Principal, agency_id: int | None) -> int | None:
    """The agency the import is for (owns rows without an agency, keeps the mapping). An agency
    administrator imports for their own agency (another agency: 404); a system administrator
    for any agency, or none."""
    if principal.is_global:
        require_global(principal, Permission.MANAGE_CAMERAS)
        if agency_id is not None and session.get(Agency, agency_id) is None:
            raise NotFound(f"no agency with id {agency_id}")
        return agency_id
    if not principal.can(Permission.MANAGE_CAMERAS):
        raise Forbidden(f"not allowed: {Permission.MANAGE_CAMERAS} ({principal.role})")
    wanted = principal.agency_id if agency_id is None else agency_id
    require_agency(
        principal, Permission.MANAGE_CAMERAS, wanted, not_found=f"no agency with id {wanted}"
    )
    return wanted


def run_import(
    session: Session,
    services: Services,
    principal: Principal,
    request: ImportRequest,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import (blocking: run in a thread); commits when applied, else writes nothing."""
    agency_id = import_scope(session, principal, request.agency_id)
    full = merged(session, agency_id, request.mapping)
    options = ImportOptions(
        move_cameras=request.move_cameras,
        manages=lambda a: bool(decide_agency(principal, Permission.MANAGE_CAMERAS, a)),
        may_create_agencies=principal.is_global,
        default_agency_id=agency_id,
        columns=full.columns,
        agencies=full.agencies,
        bounds=services.settings.registry.bounds,
        progress=progress,
    )
    report, written = import_cameras(
        session,
        request.data,
        request.filename,
        url_policy=url_policy(services.settings),
        dry_run=request.dry_run,
        options=options,
    )
    if not report.applied:
        session.rollback()
        return report
    if agency_id is not None:
        remember(session, agency_id, request.mapping)
    if written:  # the change and its audit record: one transaction
        entry = AuditEntry.by(principal, "camera.import", detail={"camera_ids": written})
        services.identity.audit.append_in(session, entry)
    session.commit()
    if written:
        services.events.publish(CAMERA_CHANGED, {"action": "imported", "camera_ids": written})
    return report
