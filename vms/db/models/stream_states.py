"""Stream state history: one row per state change of a camera stream, as it happened.

Written by one recorder per server (vms.uptime.recorder), read by the uptime reports: a
stream's state at any moment is that of its last row at or before the moment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base


class StreamStateChange(Base):
    """Stream (`camera_id`, `stream`) entered `state` at `at`, for `reason` (if any).

    `state`: the ingest states (idle, starting, online, stalled, offline, error) plus
    "retired" (the camera left service) and "unknown" (not watched: server stopped, stream
    removed from ingest)."""

    __tablename__ = "stream_states"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (Index("ix_stream_states_stream_at", "camera_id", "stream", "at"),)
