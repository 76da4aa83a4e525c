"""Agencies: the owners of cameras. Create, read, update and retire (never delete: cameras,
grants and audit records keep pointing at them).

An agency's code and its Thai and English names each name that agency only: compared as
`search_key` folds them (case, white space, Unicode forms), across all three (a name may not be
another agency's code). Checked here with a message, and held by the database through
`agency_keys` (see `Agency._rekey`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.db.models.registry import Agency, Camera, identity_keys
from vms.errors import Conflict, NotFound
from vms.registry.schemas import AgencyCreate, AgencyUpdate
from vms.registry.thai import search_key


def get_agency(session: Session, agency_id: int) -> Agency:
    """The agency, or NotFound."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency with id {agency_id}")
    return agency


def find_agencies(session: Session, ref: str) -> list[Agency]:
    """Every agency whose code or Thai or English name is `ref` (as `search_key` folds them).

    More than one means `ref` is ambiguous; it cannot happen for agencies written through the
    ORM (`agency_keys` is unique), but rows written around it are still caught here."""
    wanted = search_key(ref)
    if not wanted:
        return []
    found: dict[int, Agency] = {}
    for agency in session.scalars(select(Agency).order_by(Agency.id)):
        if wanted in identity_keys(agency.code, agency.name_th, agency.name_en):
            found[agency.id] = agency
    return list(found.values())


def find_agency(session: Session, ref: str) -> Agency | None:
    """The one agency `ref` names (code or Thai/English name), None if none; Conflict if it
    names several."""
    found = find_agencies(session, ref)
    if len(found) > 1:
        codes = ", ".join(a.code for a in found)
        raise Conflict(f"{ref!r} names several agencies ({codes}); use the agency code")
    return found[0] if found else None


def list_agencies(
    session: Session,
    *,
    kind: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Agency]]:
    """Agencies ordered by code, with the total before paging."""
    query = select(Agency)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    if state is not None:
        query = query.where(Agency.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Agency.code).limit(limit).offset(offset)).all()
    return total, list(rows)


def create_agency(session: Session, data: AgencyCreate) -> Agency:
    """Add an agency; Conflict if its code or a name already names another agency."""
    ensure_identity_free(session, None, code=data.code, name_th=data.name_th, name_en=data.name_en)
    agency = Agency(code=data.code, kind=data.kind, name_th=data.name_th, name_en=data.name_en)
    session.add(agency)
    session.flush()
    return agency


def update_agency(session: Session, agency_id: int, data: AgencyUpdate) -> Agency:
    """Change the fields that were sent."""
    agency = get_agency(session, agency_id)
    values = data.model_dump(exclude_unset=True)
    if any(name in values and values[name] is None for name in ("code", "kind", "state")):
        raise Conflict("code and kind cannot be removed")
    named = {k: values[k] for k in ("code", "name_th", "name_en") if values.get(k) is not None}
    ensure_identity_free(session, agency.id, **named)
    if values.get("state") == "retired" and agency.state != "retired":
        _ensure_no_live_cameras(session, agency)
    for name, value in values.items():
        setattr(agency, name, value)
    if not (agency.name_th or agency.name_en):
        raise Conflict("an agency keeps at least one name (name_th or name_en)")
    session.flush()
    return agency


def retire_agency(session: Session, agency_id: int) -> Agency:
    """Mark an agency retired; refused while it still has cameras that are not retired."""
    agency = get_agency(session, agency_id)
    if agency.state != "retired":
        _ensure_no_live_cameras(session, agency)
        agency.state = "retired"
        session.flush()
    return agency


def ensure_identity_free(session: Session, own_id: int | None, **texts: str | None) -> None:
    """Conflict naming the field if a code or name (`code=`, `name_th=`, `name_en=`) already
    names an agency other than `own_id`."""
    for field, text in texts.items():
        if not text:
            continue
        others = [a for a in find_agencies(session, text) if a.id != own_id]
        if others:
            what = "code" if field == "code" else "name"
            raise Conflict(
                f"{field}: {text!r} is already used by agency {others[0].code}; an agency {what} "
                "must be unique (case, spaces and Thai forms ignored)",
                details=[{"field": field, "problem": "already used"}],
            )


def _ensure_no_live_cameras(session: Session, agency: Agency) -> None:
    live = session.scalar(
        select(func.count())
        .select_from(Camera)
        .where(Camera.agency_id == agency.id, Camera.state != "retired")
    )
    if live:
        raise Conflict(f"agency {agency.code} still has {live} cameras; retire or move them first")
