"""Bulk import of the camera inventory from CSV/XLSX: validate every row, report per-row errors
and a diff, then upsert by camera code — all rows or none.

All-or-nothing: a file with any row error changes nothing; the report lists every error (row,
column, message) so the operator fixes the file and sends it again. Columns absent from the
file leave existing values alone; an empty cell clears an optional field. Credentials columns
are accepted (empty = keep) and never appear in the report.

Agencies are named by code or Thai/English name (or by a name the person mapped to an agency);
a name that fits several agencies is a row error (use the code). A row never moves an existing
camera to another agency unless the import asks for it (`move_cameras`) and the person
importing manages both agencies (`manages`); a row for an agency the person does not manage is
an error. Columns are read by our aliases or the person's mapping (vms.registry.import_columns);
district, sub-district and columns mapped to tags become tags, columns mapped to notes and
resolutions we cannot read are kept in the notes (with a warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import Session, object_session

from ingest.url_policy import CameraUrlPolicy
from vms.credentials.store import keys_of, reveal
from vms.db.models.registry import Agency, Camera, CameraCredential, CameraTag, identity_keys
from vms.errors import InvalidInput
from vms.registry.agencies import find_agencies
from vms.registry.cameras import (
    CAMERA_FIELDS,
    apply_fields,
    cameras_by_code,
    check_urls,
    search_text,
)
from vms.registry.cells import cell_value
from vms.registry.columns import CONDITION_TAGS, header_key
from vms.registry.import_columns import ColumnPlan, ColumnUse, plan_columns
from vms.registry.resolution import parse_resolution
from vms.registry.schemas import AgencyCreate, CameraCreate, normalize_tags
from vms.registry.spreadsheet import Cell, Table, detect_format, read_table
from vms.registry.thai import parse_number

MAX_REPORTED = 1000
PROGRESS_EVERY = 500
Bounds = tuple[float, float, float, float]  # south, west, north, east
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
    columns: list[ColumnUse] = Field(
        default_factory=list, description="Every header and what it was read as."
    )
    unknown_columns: list[str] = Field(
        default_factory=list, description="Headers neither ours nor mapped: map or ignore them."
    )
    unknown_agencies: list[str] = Field(
        default_factory=list, description="Agency names no agency has: map each to an agency."
    )
    warnings: list[RowError] = Field(
        default_factory=list, description="Kept, but worth a look (outside the province, ...)."
    )
    dry_run: bool = True
    applied: bool = False


@dataclass(slots=True)
class ImportOptions:
    """What the person asked for beyond the file. `manages(agency_id)`: may they manage that
    agency's cameras (None: the console, every agency). `columns`: header as written -> target;
    `agencies`: agency name as written -> agency id; `default_agency_id` owns new cameras of
    rows with no agency; `bounds` (south, west, north, east) of the site's province: rows
    outside get a warning; `progress(done, total)` is called as rows are read and written."""

    move_cameras: bool = False
    manages: Callable[[int], bool] | None = None
    may_create_agencies: bool = True
    default_agency_id: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    agencies: dict[str, int] = field(default_factory=dict)
    bounds: Bounds | None = None
    progress: Callable[[int, int], None] | None = None


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
    columns: ColumnPlan
    table_headers: list[str]
    options: ImportOptions
    report: ImportReport
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
    options: ImportOptions | None = None,
) -> tuple[ImportReport, list[int]]:
    """Validate and (unless `dry_run` or any error) upsert; returns the report and the ids of
    the cameras written. The caller commits. Blocking: run in a thread.

    `move_cameras` lets a row give an existing camera another agency, and only when
    `manages(agency_id)` holds for both (None: the console, which manages every agency)."""
    opts = options or ImportOptions(move_cameras=move_cameras, manages=manages)
    fmt = detect_format(data, filename)
    table = read_table(data, filename)
    report = ImportReport(format=fmt, dry_run=dry_run)
    ctx = _context(session, table, url_policy, report, opts)
    plans: list[_Plan] = []
    failed: set[int] = set()
    total = len(table.rows)
    for number, cells in table.rows:
        report.rows += 1
        errors: list[RowError] = []
        plan = _plan_row(ctx, number, cells, errors)
        if errors:
            failed.add(number)
            _add_errors(report, errors)
        elif plan is not None:
            plans.append(plan)
        if opts.progress is not None and report.rows % PROGRESS_EVERY == 0:
            opts.progress(report.rows, total)
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
    report.unknown_agencies = sorted(set(report.unknown_agencies))
    if dry_run or failed:
        return report, []
    written = _apply(ctx, plans)
    report.applied = True
    return report, written


def _context(
    session: Session,
    table: Table,
    url_policy: CameraUrlPolicy,
    report: ImportReport,
    options: ImportOptions,
) -> _Context:
    columns = plan_columns(table.headers, options.columns)
    report.columns = columns.uses
    report.unknown_columns = list(columns.unknown)
    report.ignored_columns = [u.header for u in columns.uses if u.target in (None, "ignore")]
    headers: dict[str, str] = {}
    for index, target in enumerate(columns.targets):
        if target is not None and target not in headers:
            headers[target] = table.headers[index]
    index = columns.targets.index("code")
    codes = {_code_of(cells[index]) for _, cells in table.rows if index < len(cells)}
    ctx = _Context(session, url_policy, headers, cameras_by_code(session, codes), columns,
                   table.headers, options, report)  # fmt: skip
    if options.manages is not None:
        ctx.manages = options.manages
    return ctx


def _code_of(raw: Any) -> str:
    try:
        return str(cell_value("code", raw) or "")
    except ValueError:
        return ""


def _plan_row(ctx: _Context, row: int, cells: list[Cell], errors: list[RowError]) -> _Plan | None:
    clean, extra = _read_cells(ctx, row, cells, errors)
    code = clean.pop("code", None)
    if not code:
        if not any(e.column == ctx.headers["code"] for e in errors):  # not already said why
            message = "camera code is empty"
            errors.append(RowError(row=row, column=ctx.headers["code"], message=message))
        return None
    if code in ctx.seen:
        message = f"camera code {code} appears twice in the file"
        errors.append(RowError(row=row, column=ctx.headers["code"], message=message))
        return None
    ctx.seen.add(code)
    camera = ctx.existing.get(code)
    if camera is not None and not ctx.manages(camera.agency_id):
        message = f"camera code {code} is already used by a camera of another agency"
        errors.append(RowError(row=row, column=ctx.headers["code"], message=message))
        return None
    agency_id, new_agency = _resolve_agency(ctx, row, camera, clean, errors)
    if camera is not None and (new_agency is not None or agency_id != camera.agency_id):
        _check_move(ctx, row, camera, agency_id, new_agency, errors)
    base = _snapshot(camera) if camera is not None else {}
    _merge_extra(ctx, camera, clean, extra)
    merged = {**base, **clean, "code": code, "agency_id": agency_id or 0}
    if not (merged.get("name_th") or merged.get("name_en")) and merged.get("address"):
        merged["name_th"] = str(merged["address"])[:200]  # the installation point names it
        clean["name_th"] = merged["name_th"]
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
    _check_bounds(ctx, row, model)
    values = model.model_dump(include=set(CAMERA_FIELDS))
    if new_agency is not None:
        values.pop("agency_id")
    if "username" in clean or "password" in clean:
        values["username"], values["password"] = model.username, model.password
    plan = _Plan(row, code, camera, values, new_agency)
    plan.changes = _diff(camera, base, values, new_agency)
    return plan


@dataclass(slots=True)
class _Extra:
    """What a row says beyond plain fields: tags (district, sub-district, mapped columns),
    note lines, and the working condition of its status cell."""

    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    condition: str | None = None


_KEEP_WHEN_EMPTY = ("state", "pull_mode", "username", "password", "central_link")


def _read_cells(
    ctx: _Context, row: int, cells: list[Cell], errors: list[RowError]
) -> tuple[dict[str, Any], _Extra]:
    clean: dict[str, Any] = {}
    extra = _Extra()
    for index, raw in enumerate(cells[: len(ctx.columns.targets)]):
        name = ctx.columns.targets[index]
        if name is None:
            continue
        header = ctx.table_headers[index]
        try:
            value = cell_value(name, raw)
            if name == "coordinates":
                if value is not None:
                    clean["latitude"], clean["longitude"] = _coordinates(value)
                continue
        except ValueError as exc:
            errors.append(RowError(row=row, column=header, message=str(exc)))
            continue
        if name in ("tags", "district", "subdistrict"):
            extra.tags.append(str(value or ""))
        elif name == "notes":
            if value is not None:
                aliased = ctx.columns.sources[index] == "alias"
                extra.notes.append(str(value) if aliased else f"{header}: {value}")
        elif name == "resolution" and value is not None:
            clean["resolution"] = parse_resolution(str(value))
            if clean["resolution"] is None:
                extra.notes.append(f"{header}: {value}")
                message = f"resolution {value!r} maps to no size we know: kept in the notes"
                _add_warning(ctx.report, RowError(row=row, column=header, message=message))
        elif name == "state" and value in CONDITION_TAGS:
            clean["state"] = "active"
            extra.condition = CONDITION_TAGS[value]
        elif value is not None or name not in _KEEP_WHEN_EMPTY:
            clean[name] = value
    return clean, extra


def _coordinates(value: Any) -> tuple[float, float]:
    """'7.8906, 98.3923' (Thai digits, ; or space between) -> (7.8906, 98.3923)."""
    parts = [p for p in str(value).replace(";", ",").replace(" ", ",").split(",") if p]
    if len(parts) != 2:
        raise ValueError(
            f"write coordinates as latitude,longitude (e.g. 7.89, 98.39), not {value!r}"
        )
    try:
        return parse_number(parts[0]), parse_number(parts[1])
    except ValueError:
        raise ValueError(f"not coordinates: {value!r} (latitude,longitude)") from None


def _merge_extra(
    ctx: _Context, camera: Camera | None, clean: dict[str, Any], extra: _Extra
) -> None:
    """Tags: the file's tag columns replace the camera's tags (when it has any); a status
    column sets or clears the condition tags. Notes: a notes column replaces them; lines from
    unreadable resolutions are added to what is there."""
    tag_columns = ctx.columns.has("tags", "district", "subdistrict")
    if tag_columns or ctx.columns.has("state"):
        if tag_columns:  # the file says which tags the camera has
            tags = normalize_tags(",".join(extra.tags))
        else:  # only a status column: its condition replaces the old one
            conditions = {normalize_tags(t)[0] for t in CONDITION_TAGS.values()}
            tags = [t for t in (camera.tags if camera is not None else []) if t not in conditions]
        if extra.condition is not None:
            tags.append(extra.condition)
        clean["tags"] = sorted(set(normalize_tags(tags)))
    if ctx.columns.has("notes"):
        clean["notes"] = "; ".join(extra.notes) or None
    elif extra.notes:
        old = (camera.notes if camera is not None else None) or ""
        lines = [old] if old else []
        lines += [line for line in extra.notes if line not in old]
        clean["notes"] = "; ".join(lines)


def _check_bounds(ctx: _Context, row: int, model: CameraCreate) -> None:
    bounds = ctx.options.bounds
    if bounds is None or model.latitude is None or model.longitude is None:
        return
    south, west, north, east = bounds
    if south <= model.latitude <= north and west <= model.longitude <= east:
        return
    column = ctx.headers.get("latitude") or ctx.headers.get("coordinates")
    message = (
        f"coordinates {model.latitude}, {model.longitude} are outside the province "
        f"({south}..{north}, {west}..{east}): latitude and longitude swapped?"
    )
    _add_warning(ctx.report, RowError(row=row, column=column, message=message))


def _resolve_agency(
    ctx: _Context, row: int, camera: Camera | None, clean: dict[str, Any], errors: list[RowError]
) -> tuple[int | None, str | None]:
    ref, kind = clean.pop("agency", None), clean.pop("agency_kind", None)
    name_th, name_en = clean.pop("agency_name_th", None), clean.pop("agency_name_en", None)
    column = ctx.headers.get("agency", "agency")
    if ref is None:
        if camera is not None:
            return camera.agency_id, None
        if ctx.options.default_agency_id is not None:
            return ctx.options.default_agency_id, None
        errors.append(RowError(row=row, column=column, message="agency is empty"))
        return None, None
    if ref not in ctx.agencies:
        ctx.agencies[ref] = _find_agency(ctx, ref)
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
        elif not ctx.manages(agency.id):
            message = f"you may not manage the cameras of agency {agency.code}"
            errors.append(RowError(row=row, column=column, message=message))
        return agency.id, None
    if ref in ctx.new_agencies:
        return None, ref
    ctx.report.unknown_agencies.append(ref)
    if not ctx.options.may_create_agencies:
        message = (
            f"unknown agency {ref!r}: map it to an agency (only a system administrator adds "
            "agencies)"
        )
        errors.append(RowError(row=row, column=column, message=message))
        return None, None
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


def _find_agency(ctx: _Context, ref: str) -> list[Agency]:
    """The agencies `ref` names: through the person's mapping first, else code or name."""
    key = header_key(ref)
    for name, agency_id in ctx.options.agencies.items():
        if header_key(name) == key:
            agency = ctx.session.get(Agency, agency_id)
            if agency is None:
                raise InvalidInput(f"mapping for agency {name!r}: no agency with id {agency_id}")
            return [agency]
    return find_agencies(ctx.session, ref)


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
    if not ctx.options.move_cameras:
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
    written: list[int] = []
    new: list[tuple[_Plan, dict[str, Any]]] = []
    progress = ctx.options.progress
    for done, plan in enumerate(plans, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(plans))
        if plan.camera is not None and not plan.changes:
            continue
        values = dict(plan.values)
        if plan.new_agency is not None:
            values["agency_id"] = created[plan.new_agency].id
        if plan.camera is None:
            new.append((plan, values))
            continue
        apply_fields(ctx.session, plan.camera, values)
        written.append(plan.camera.id)
    ctx.session.flush()
    return written + _insert_new(ctx.session, new)


def _insert_new(session: Session, new: list[tuple[_Plan, dict[str, Any]]]) -> list[int]:
    """New cameras in bulk (one INSERT ... RETURNING per batch, then their tags and
    credentials): what makes 20,000 rows fit in a minute; same rows as apply_fields writes."""
    if not new:
        return []
    rows: list[dict[str, Any]] = []
    tags: dict[str, list[str]] = {}
    secrets: dict[str, tuple[str, str]] = {}
    for plan, values in new:
        row = {k: v for k, v in values.items() if k not in ("tags", "username", "password")}
        row["code"] = plan.code
        row["search_text"] = search_text(plan.code, row.get("name_th"), row.get("name_en"),
                                         row.get("address"), row.get("model"),
                                         values.get("tags") or [])  # fmt: skip
        rows.append(row)
        tags[plan.code] = list(values.get("tags") or [])
        if values.get("username") is not None and values.get("password") is not None:
            secrets[plan.code] = (values["username"], values["password"])
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 1000):
        result = session.execute(
            insert(Camera).returning(Camera.id, Camera.code), rows[start : start + 1000]
        )
        ids.update({code: camera_id for camera_id, code in result})
    tag_rows = [{"camera_id": ids[c], "tag": t} for c, ts in tags.items() for t in ts]
    if tag_rows:
        session.execute(insert(CameraTag), tag_rows)
    if secrets:
        keys = keys_of(session)  # sealed like vms.credentials.store.store, in bulk
        sealed = {c: keys.seal(u, p) for c, (u, p) in secrets.items()}
        session.execute(insert(CameraCredential), [
            {"camera_id": ids[c], "key_id": k, "sealed": s} for c, (k, s) in sealed.items()
        ])  # fmt: skip
    return [ids[plan.code] for plan, _ in new]


def _add_warning(report: ImportReport, warning: RowError) -> None:
    if len(report.warnings) < MAX_REPORTED:
        report.warnings.append(warning)


def _add_errors(report: ImportReport, errors: list[RowError]) -> None:
    room = MAX_REPORTED - len(report.errors)
    report.errors.extend(errors[: max(room, 0)])
