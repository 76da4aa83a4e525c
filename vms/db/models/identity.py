"""Identity tables: users, their sessions and API tokens, sharing grants, the audit trail and
duty-coverage records. Secrets are stored only as hashes (Argon2 for passwords, SHA-256 for
random tokens)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base
from vms.db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    """A person who signs in; belongs to one agency and has one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"User(id={self.id}, username={self.username!r}, role={self.role})"


class AuthSession(Base):
    """A browser session or OAuth2 bearer token: revoking the row signs the holder out now."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("kind IN ('session', 'bearer')", name="kind"),)


class ApiToken(Base):
    """A long-lived token for an integration: named, scoped to some permissions, expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Grant(Base):
    """A sharing agreement: an owner agency (NULL: every agency) lets a grantee agency use a
    camera, a tag or all its cameras at a level, optionally within daily hours until expiry."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    grantee_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    tag: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    hours_start: Mapped[str | None] = mapped_column(String(5))
    hours_end: Mapped[str | None] = mapped_column(String(5))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("level IN ('live', 'recordings', 'control', 'export')", name="level"),
        CheckConstraint("camera_id IS NULL OR tag IS NULL", name="one_target"),
        CheckConstraint("(hours_start IS NULL) = (hours_end IS NULL)", name="hours_pair"),
        Index("ix_grants_active", "grantee_agency_id", "revoked_at"),
    )


class AuditRecord(Base):
    """One entry of the append-only trail; `hash` = SHA-256(canonical JSON + `prev_hash`).

    `prev_hash` is unique: two records can never claim the same predecessor, so the chain
    stays linear even if two writers race past the application lock.
    """

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    camera_id: Mapped[int | None] = mapped_column(Integer, index=True)
    camera_agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_records_prev_hash"),)


class CoverageMinute(Base):
    """An officer was on watch at a station during this minute (upserted by heartbeats)."""

    __tablename__ = "coverage_minutes"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class CoverageRequirement(Base):
    """How many officers a station must have on watch (overrides the configured default)."""

    __tablename__ = "coverage_requirements"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    required: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("required >= 0", name="required"),)
