"""Walls: named, registered displays that the command center can steer.

A wall belongs to an agency and may be in a `group` (pushed to together). What it shows now is
either its local operator's own layout (`content` None) or a push: `content` holds the pushed
layout or alarm view, with who pushed it, whether it is locked and until when. `seq` counts
changes (the server-sent event id); `acked_seq` is the last one the wall said it applied.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base
from vms.db.types import UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class Wall(Base):
    """One display; names are unique on the site."""

    __tablename__ = "walls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    group: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pushed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pushed_by_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pushed_by_agency_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the emergency declaration a push was made under (only its empowered users change it)
    emergency_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    acked_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
