"""Agencies: the owners of cameras. Create, read, update and retire (never delete: cameras,
grants and audit records keep pointing at them)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.db.models.registry import Agency, Camera
from vms.errors import Conflict, NotFound
from vms.registry.schemas import AgencyCreate, AgencyUpdate
from vms.registry.thai import search_key


def get_agency(session: Session, agency_id: int) -> Agency:
    """The agency, or NotFound."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency with id {agency_id}")
    return agency


def find_agency(session: Session, ref: str) -> Agency | None:
    """An agency by code (exact, any case) or by Thai or English name (normalised)."""
    wanted = search_key(ref)
    by_code = session.scalars(select(Agency).where(func.lower(Agency.code) == wanted)).first()
    if by_code is not None:
        return by_code
    for agency in session.scalars(select(Agency)):
        names = (agency.name_th, agency.name_en)
        if any(name is not None and search_key(name) == wanted for name in names):
            return agency
    return None


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
    """Add an agency; Conflict if the code is taken."""
    _ensure_code_free(session, data.code, None)
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
    if values.get("code") not in (None, agency.code):
        _ensure_code_free(session, values["code"], agency.id)
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


def _ensure_code_free(session: Session, code: str, own_id: int | None) -> None:
    clash = session.scalars(select(Agency).where(func.lower(Agency.code) == code.lower())).first()
    if clash is not None and clash.id != own_id:
        raise Conflict(f"agency code {code!r} is already used")


def _ensure_no_live_cameras(session: Session, agency: Agency) -> None:
    live = session.scalar(
        select(func.count())
        .select_from(Camera)
        .where(Camera.agency_id == agency.id, Camera.state != "retired")
    )
    if live:
        raise Conflict(f"agency {agency.code} still has {live} cameras; retire or move them first")
