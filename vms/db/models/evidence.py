"""Data-use requests: who asked for which cameras' footage over which range and why, who
approved it, and the export produced. The evidence lock that keeps an approved range from
retention is a row of recording's `recording_locks` (vms/db/models/recording.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vms.db.base import Base

REQUEST_STATES = ("pending", "approved", "rejected", "exported", "expired")
EXPORT_STATES = ("none", "queued", "building", "ready", "failed")


def _now() -> datetime:
    return datetime.now(UTC)


class DataRequest(Base):
    """One request. `state` as written; an exported request whose download expiry has passed
    reads as expired (judged by time, `vms.evidence.workflow.effective_state`)."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requester_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    stream: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    case_number: Mapped[str] = mapped_column(String(100))
    legal_basis: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    # the [evidence] approver rule it was filed under
    approver: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    emergency_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    export_state: Mapped[str] = mapped_column(String(16), default="none")
    export_error: Mapped[str | None] = mapped_column(Text)
    # when an exporter took the job (a lease: another process takes it over once stale)
    export_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    export_file: Mapped[str | None] = mapped_column(String(300))  # name inside export_dir
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    export_bytes: Mapped[int | None] = mapped_column(Integer)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cameras: Mapped[list[DataRequestCamera]] = relationship(
        cascade="all, delete-orphan", order_by="DataRequestCamera.camera_id", lazy="selectin"
    )
    approvals: Mapped[list[DataRequestApproval]] = relationship(
        cascade="all, delete-orphan", order_by="DataRequestApproval.id", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'exported', 'expired')", name="state"
        ),
        CheckConstraint(
            "export_state IN ('none', 'queued', 'building', 'ready', 'failed')",
            name="export_state",
        ),
        CheckConstraint("stream IN ('main', 'sub')", name="stream"),
        CheckConstraint('"end" > start', name="range"),
    )

    @property
    def camera_agency_ids(self) -> frozenset[int]:
        """The agencies owning the requested cameras (each approves, by the default rule)."""
        return frozenset(c.agency_id for c in self.cameras)


class DataRequestCamera(Base):
    """A camera of a request, with the agency that owned it when requested (who approves)."""

    __tablename__ = "data_request_cameras"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("data_requests.id", ondelete="CASCADE"), primary_key=True
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)


class DataRequestApproval(Base):
    """One approval: `capacity` is "agency:<id>" (for an owning agency) or "working_group"."""

    __tablename__ = "data_request_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("data_requests.id", ondelete="CASCADE"), index=True
    )
    capacity: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[int] = mapped_column(Integer)  # the approver's own agency
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (UniqueConstraint("request_id", "capacity", name="uq_approval_capacity"),)
