"""An agency's remembered import choices (table import_mappings): what its unknown columns
mean and which agency the names it writes stand for, so the next upload asks nothing."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vms.db.models.imports import ImportMapping
from vms.inputs import InputModel
from vms.registry.columns import header_key


class MappingIn(InputModel):
    """The person's choices for one upload: header as written -> "tags", "notes", "ignore" or
    a field; agency name as written -> agency id."""

    columns: dict[str, str] = Field(default_factory=dict, max_length=64)
    agencies: dict[str, int] = Field(default_factory=dict, max_length=500)


class MappingOut(BaseModel):
    """What an agency's next upload starts from."""

    agency_id: int
    columns: dict[str, str]
    agencies: dict[str, int]


def remembered(session: Session, agency_id: int) -> MappingOut:
    """The agency's remembered column and agency-name mappings (header/name as last written)."""
    rows = session.scalars(select(ImportMapping).where(ImportMapping.agency_id == agency_id))
    out = MappingOut(agency_id=agency_id, columns={}, agencies={})
    for row in rows:
        if row.kind == "column":
            out.columns[row.source] = row.target
        else:
            out.agencies[row.source] = int(row.target)
    return out


def remember(session: Session, agency_id: int, mapping: MappingIn) -> None:
    """Store (replace per source) the choices of an applied import; the caller commits."""
    wanted = [("column", h, t) for h, t in mapping.columns.items()]
    wanted += [("agency", n, str(a)) for n, a in mapping.agencies.items()]
    for kind, source, target in wanted:
        key = header_key(source)[:200]
        session.execute(
            delete(ImportMapping).where(
                ImportMapping.agency_id == agency_id,
                ImportMapping.kind == kind,
                ImportMapping.source_key == key,
            )
        )
        session.add(ImportMapping(agency_id=agency_id, kind=kind, source_key=key,
                                  source=source[:200], target=target))  # fmt: skip
    session.flush()


def merged(session: Session, agency_id: int | None, mapping: MappingIn) -> MappingIn:
    """The remembered mapping of `agency_id` overridden by this upload's choices."""
    if agency_id is None:
        return mapping
    base = remembered(session, agency_id)
    given_columns = {header_key(h) for h in mapping.columns}
    given_agencies = {header_key(n) for n in mapping.agencies}
    columns = {h: t for h, t in base.columns.items() if header_key(h) not in given_columns}
    agencies = {n: a for n, a in base.agencies.items() if header_key(n) not in given_agencies}
    return MappingIn(columns={**columns, **mapping.columns},
                     agencies={**agencies, **mapping.agencies})  # fmt: skip
