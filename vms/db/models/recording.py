"""Recording index: segments written by the recorder, the gaps between them, evidence locks.

Times are wall clock, UTC. `path` is relative to the recordings directory and always built by
the server (`<camera>/<stream>/<start>.mp4`), never taken from a request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base


def _now() -> datetime:
    return datetime.now(UTC)


class RecordingSegment(Base):
    """One file of one camera stream. `state`: open while the recorder writes it, closed after
    (a segment left open by a crash is closed at the next start, cut to its last whole part)."""

    __tablename__ = "recording_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    path: Mapped[str] = mapped_column(String(512), unique=True)
    codec: Mapped[str] = mapped_column(String(16))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # milliseconds after `start` of each keyframe (the first is 0: a segment starts on one)
    keyframes_ms: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(8), default="open")

    __table_args__ = (
        Index("ix_recording_segments_camera_stream_start", "camera_id", "stream", "start"),
        Index("ix_recording_segments_state", "state"),
    )


class RecordingGap(Base):
    """A stretch with no recording where one was wanted, and why (camera offline, server
    restart, recorder overflow, disk full, timestamp jump)."""

    __tablename__ = "recording_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_recording_gaps_camera_stream_start", "camera_id", "stream", "start"),
    )


class RecordingLock(Base):
    """An evidence lock: retention never deletes a segment overlapping [start, end) of this
    camera (`stream` None: every stream) until the lock row is removed."""

    __tablename__ = "recording_locks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    stream: Mapped[str | None] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # the data-use request whose approval locked it (vms/evidence); no foreign key: the two
    # tables come from sibling migrations (0011, 0012)
    request_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_recording_locks_camera_id", "camera_id"),)
