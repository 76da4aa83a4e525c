"""Bulk import of the camera inventory from CSV/XLSX: validate every row, report per-row errors
and a diff, then upsert by camera code — all rows or none.

All-or-nothing: a file with any row error changes nothing; the report lists every error (row,
column, message) so the operator fixes the file and sends it again. Columns absent from the
file leave existing values alone; an empty cell clears an optional field. Credentials columns
are accepted (empty = keep) and never appear in the report.

Agencies are named by code or Thai/English name; a name that fits several agencies is a row
error (use the code). A row never moves an existing camera to another agency unless the import
asks for it (`move_cameras`) and the person importing manages both agencies (`manages`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session, object_session

from ingest.url_policy import CameraUrlPolicy
from vms.credentials.store import reveal
from vms.db.models.registry import Agency, Camera, identity_keys
from vms.errors import InvalidInput
from vms.registry.agencies import find_agencies
from vms.registry.cameras import CAMERA_FIELDS, apply_fields, cameras_by_code, check_urls
from vms.registry.cells import cell_value
from vms.registry.columns import field_for_header
from vms.registry.schemas import AgencyCreate, CameraCreate
from vms.registry.spreadsheet import Table, detect_format, read_table

MAX_REPORTED = 1000
_AGENCY_COLUMNS = ("agency", "agency_kind", "agency_name_th", "agency_name_en")


class RowError(BaseModel):
    """One problem: spreadsheet row (1-based, header is a row), column header, message."""

    row: int | None
    column: str | None
    message: str


class FieldChange(BaseModel):
    """One field of one camera as it is and as the file would make it."""

    field: str
    old: Any = None
    new: Any = None


class RowChange(BaseModel):
    """A row that creates or updates a camera."""

    row: int
    code: str
    action: Literal["created", "updated"]
    changes: list[FieldChange]


class ImportReport(BaseModel):
    """What an import found and (unless dry run or errors) did."""

    format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_rows: int = 0
    errors: list[RowError] = Field(default_factory=list)
    changes: list[RowChange] = Field(default_factory=list)
    agencies_created: list[str] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    dry_run: bool = True
    applied: bool = False


@dataclass(slots=True)
class _Plan:
    row: int
    code: str
    camera: Camera | None
    values: dict[str, Any]
    new_agency: str | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(slots=True)
class _Context:
    session: Session
    url_policy: CameraUrlPolicy
    headers: dict[str, str]  # field -> header as written in the file
    existing: dict[str, Camera]
    move_cameras: bool = False
    manages: Callable[[int], bool] = field(default=lambda _agency_id: True)
    agencies: dict[str, list[Agency]] = field(default_factory=dict)
    new_agencies: dict[str, AgencyCreate] = field(default_factory=dict)
    new_keys: dict[str, str] = field(default_factory=dict)  # identity key -> new agency ref
    seen: set[str] = field(default_factory=set)


def import_cameras(
    session: Session,
    data: bytes,
    filename: str | None,
    *,
    url_policy: CameraUrlPolicy,
    dry_run: bool,
    move_cameras: bool = False,
    manages: Callable[[int], bool] | None = None,
) -> tuple[ImportReport, list[int]]:
    """Validate and (unless `dry_run` or any error) upsert; returns the report and the ids of
    the cameras written. The caller commits. Blocking: run in a thread.

    `move_cameras` lets a row give an existing camera another agency, and only when
    `manages(agency_id)` holds for both (None: the console, which manages every agency)."""
    fmt = detect_format(data, filename)
    table = read_table(data, filename)
    report = ImportReport(format=fmt, dry_run=dry_run)
    ctx = _context(session, table, url_policy, report)
    ctx.move_cameras = move_cameras
    if manages is not None:
        ctx.manages = manages
    plans: list[_Plan] = []
    failed: set[int] = set()
    for number, cells in table.rows:
        report.rows += 1
        errors: list[RowError] = []
        plan = _plan_row(ctx, number, cells, table.headers, errors)
        if errors:
            failed.add(number)
            _add_errors(report, errors)
        elif plan is not None:
            plans.append(plan)
    report.failed_rows = len(failed)
    for plan in plans:
        if plan.camera is None:
            report.created += 1
        elif plan.changes:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        if len(report.changes) < MAX_REPORTED:
            action: Literal["created", "updated"] = "created" if plan.camera is None else "updated"
            report.changes.append(RowChange(row=plan.row, code=plan.code, action=action,
                                            changes=plan.changes))  # fmt: skip
    report.agencies_created = sorted(ctx.new_agencies)
    if dry_run or failed:
        return report, []
    written = _apply(ctx, plans)
    report.applied = True
    return report, written


def _context(
    session: Session, table: Table, url_policy: CameraUrlPolicy, report: ImportReport
) -> _Context:
    headers: dict[str, str] = {}
    for header in table.headers:
        name = field_for_header(header) if header else None
        if name is None:
            if header:
                report.ignored_columns.append(header)
            continue
        if name in headers:
            raise InvalidInput(f"columns {headers[name]!r} and {header!r} both mean {name}")
        headers[name] = header
    if "code" not in headers:
        raise InvalidInput("no camera code column (รหัสกล้อง / code) in the header row")
    index = table.headers.index(headers["code"])
    codes = {_code_of(cells[index]) for _, cells in table.rows if index < len(cells)}
    return _Context(session, url_policy, headers, cameras_by_code(session, codes))


def _code_of(raw: Any) -> str:
    try:
        return str(cell_value("code", raw) or "")
    except ValueError:
        return ""


def _plan_row(
    ctx: _Context, row: int, cells: list[Any], headers: list[str], errors: list[RowError]
) -> _Plan | None:
    clean: dict[str, Any] = {}
    for header, raw in zip(headers, cells, strict=False):
        name = field_for_header(header) if header else None
        if name is None:
            continue
        try:
            value = cell_value(name, raw)
        except ValueError as exc:
            errors.append(RowError(row=row, column=header, message=str(exc)))
            continue
        if name == "tags" and value is None:
            value = []  # an empty tags cell clears the tags
        if value is not None or name not in ("state", "pull_mode", "username", "password"):
            clean[name] = value
    code = clean.pop("code", None)
    if not code:
        errors.append(RowError(row=row, column=ctx.headers["code"], message="camera code is empty"))
        return None
    if code in ctx.seen:
        message = f"camera code {code} appears twice in the file"
        errors.append(RowError(row=row, column=ctx.headers["code"], message=message))
        return None
    ctx.seen.add(code)
    camera = ctx.existing.get(code)
    agency_id, new_agency = _resolve_agency(ctx, row, camera, clean, errors)
    if camera is not None and (new_agency is not None or agency_id != camera.agency_id):
        _check_move(ctx, row, camera, agency_id, new_agency, errors)
    base = _snapshot(camera) if camera is not None else {}
    merged = {**base, **clean, "code": code, "agency_id": agency_id or 0}
    try:
        model = CameraCreate.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            where = str(err["loc"][0]) if err["loc"] else None
            column = ctx.headers.get(where or "", where)
            message = str(err["msg"]).removeprefix("Value error, ")
            errors.append(RowError(row=row, column=column, message=message))
        return None
    try:
        check_urls({k: v for k, v in clean.items() if k in ("main_url", "sub_url")},
                   ctx.url_policy)  # fmt: skip
    except InvalidInput as exc:
        name = exc.message.split(":", 1)[0]
        errors.append(RowError(row=row, column=ctx.headers.get(name, name), message=exc.message))
    if errors:
        return None
    values = model.model_dump(include=set(CAMERA_FIELDS))
    if new_agency is not None:
        values.pop("agency_id")
    if "username" in clean or "password" in clean:
        values["username"], values["password"] = model.username, model.password
    plan = _Plan(row, code, camera, values, new_agency)
    plan.changes = _diff(camera, base, values, new_agency)
    return plan


def _resolve_agency(
    ctx: _Context, row: int, camera: Camera | None, clean: dict[str, Any], errors: list[RowError]
) -> tuple[int | None, str | None]:
    ref, kind = clean.pop("agency", None), clean.pop("agency_kind", None)
    name_th, name_en = clean.pop("agency_name_th", None), clean.pop("agency_name_en", None)
    column = ctx.headers.get("agency", "agency")
    if ref is None:
        if camera is None:
            errors.append(RowError(row=row, column=column, message="agency is empty"))
        return (camera.agency_id if camera else None), None
    if ref not in ctx.agencies:
        ctx.agencies[ref] = find_agencies(ctx.session, ref)
    found = ctx.agencies[ref]
    if len(found) > 1:
        codes = ", ".join(a.code for a in found)
        message = f"agency {ref!r} names several agencies ({codes}): use the agency code"
        errors.append(RowError(row=row, column=column, message=message))
        return None, None
    if found:
        agency = found[0]
        if agency.state == "retired":
            errors.append(RowError(row=row, column=column, message=f"agency {ref} is retired"))
        return agency.id, None
    if ref in ctx.new_agencies:
        return None, ref
    if kind is None:
        message = f"unknown agency {ref!r}: give its code or name, or an agency_kind to add it"
        errors.append(RowError(row=row, column=column, message=message))
        return None, None
    try:
        new = AgencyCreate(
            code=ref, kind=kind, name_th=name_th, name_en=name_en or (None if name_th else ref)
        )
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(RowError(row=row, column=column, message=f"new agency: {err['msg']}"))
        return None, None
    if not _new_agency_unique(ctx, row, ref, new, errors):
        return None, None
    ctx.new_agencies[ref] = new
    return None, ref


def _new_agency_unique(
    ctx: _Context, row: int, ref: str, new: AgencyCreate, errors: list[RowError]
) -> bool:
    """A new agency's names must not name an existing agency or another new one."""
    for name, text in (("agency_name_th", new.name_th), ("agency_name_en", new.name_en)):
        if not text:
            continue
        column = ctx.headers.get(name, ctx.headers.get("agency", "agency"))
        clash = [a.code for a in find_agencies(ctx.session, text)]
        clash += [r for k, r in ctx.new_keys.items() if k in identity_keys(text) and r != ref]
        if clash:
            message = f"new agency {ref}: name {text!r} already names agency {clash[0]}"
            errors.append(RowError(row=row, column=column, message=message))
            return False
    for key in identity_keys(new.code, new.name_th, new.name_en):
        ctx.new_keys[key] = ref
    return True


def _check_move(
    ctx: _Context,
    row: int,
    camera: Camera,
    agency_id: int | None,
    new_agency: str | None,
    errors: list[RowError],
) -> None:
    """A row giving an existing camera another agency: refused unless asked for and the person
    manages both agencies (a new agency counts as managed by whoever may create it)."""
    column = ctx.headers.get("agency", "agency")
    target = new_agency or next(
        (a.code for refs in ctx.agencies.values() for a in refs if a.id == agency_id), "?"
    )
    if not ctx.move_cameras:
        message = (
            f"camera {camera.code} belongs to {camera.agency.code}; moving it to {target} "
            "needs the move_cameras option"
        )
        errors.append(RowError(row=row, column=column, message=message))
    elif not all(ctx.manages(a) for a in (camera.agency_id, agency_id) if a is not None):
        message = (
            f"camera {camera.code}: moving it from {camera.agency.code} to {target} needs "
            "managing both agencies"
        )
        errors.append(RowError(row=row, column=column, message=message))


def _snapshot(camera: Camera) -> dict[str, Any]:
    return {name: getattr(camera, name) for name in CAMERA_FIELDS}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _diff(
    camera: Camera | None, base: dict[str, Any], values: dict[str, Any], new_agency: str | None
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    if new_agency is not None:
        old = camera.agency.code if camera is not None else None
        changes.append(FieldChange(field="agency", old=old, new=new_agency))
    for name, new in values.items():
        if name in ("username", "password"):
            continue
        old = base.get(name)
        if name == "agency_id" and camera is not None and new != old:
            changes.append(FieldChange(field="agency", old=camera.agency.code, new=new))
        elif name != "agency_id" and old != new and (camera is not None or new not in (None, [])):
            changes.append(FieldChange(field=name, old=_json(old), new=_json(new)))
    if "username" in values:
        session = object_session(camera) if camera is not None else None
        old_cred = reveal(session, camera) if session is not None and camera is not None else None
        if old_cred != (values["username"], values["password"]):
            changes.append(FieldChange(field="credentials", old=None, new="(set)"))
    return changes


def _apply(ctx: _Context, plans: list[_Plan]) -> list[int]:
    created: dict[str, Agency] = {}
    for code, data in ctx.new_agencies.items():
        agency = Agency(code=data.code, kind=data.kind, name_th=data.name_th, name_en=data.name_en)
        ctx.session.add(agency)
        created[code] = agency
    ctx.session.flush()
    written: list[Camera] = []
    for plan in plans:
        if plan.camera is not None and not plan.changes:
            continue
        values = dict(plan.values)
        if plan.new_agency is not None:
            values["agency_id"] = created[plan.new_agency].id
        camera = plan.camera or Camera(code=plan.code)
        apply_fields(ctx.session, camera, values)
        ctx.session.add(camera)
        written.append(camera)
    ctx.session.flush()
    return [camera.id for camera in written]


def _add_errors(report: ImportReport, errors: list[RowError]) -> None:
    room = MAX_REPORTED - len(report.errors)
    report.errors.extend(errors[: max(room, 0)])
