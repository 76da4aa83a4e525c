"""Saved wall layouts: a named grid and what each tile shows (a camera, or a tour of cameras).

Owned by a person (`owner`, bound to the signed-in user once sign-in lands) and optionally
`shared` with everyone. Tiles are stored as a JSON list because a layout is always read and
written whole, and its tiles never need to be queried on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base
from vms.db.types import UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class Layout(Base):
    """One named wall arrangement; names are unique per owner."""

    __tablename__ = "layouts"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_layouts_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    owner: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    grid: Mapped[str] = mapped_column(String(16), nullable=False)
    tiles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)
