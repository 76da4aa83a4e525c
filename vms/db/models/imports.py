"""What an agency told the importer once and should not be asked again: which of its
spreadsheet's columns means what, and which agency a name it writes stands for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base

MappingKind = Literal["column", "agency"]


def _now() -> datetime:
    return datetime.now(UTC)


class ImportMapping(Base):
    """One remembered choice of an agency: a column header (`kind` column) mapped to a field,
    "tags", "notes" or "ignore"; or an agency name (`kind` agency) mapped to an agency id.
    `source_key` is the folded form (columns.header_key), `source` the text as written."""

    __tablename__ = "import_mappings"
    __table_args__ = (
        UniqueConstraint("agency_id", "kind", "source_key", name="uq_import_mappings_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    source_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )
