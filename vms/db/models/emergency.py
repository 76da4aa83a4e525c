"""Emergency declarations: the governor's override, persisted so every process and every
restart reads the same state. A row is never deleted; its effective state is judged by time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base
from vms.db.types import UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class EmergencyDeclaration(Base):
    """One declaration. `state`: pending_confirmation, active or ended as written; a row whose
    `ends_at` (or confirmation deadline) has passed is expired/lapsed without being rewritten."""

    __tablename__ = "emergency_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[int] = mapped_column(Integer)
    include_command_center: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    confirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
