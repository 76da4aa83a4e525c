"""Registry tables: agencies, their cameras, camera credentials (kept apart) and tags."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from vms.db.base import Base
from vms.db.types import UTCDateTime
from vms.registry.thai import search_key

AgencyKind = Literal[
    "municipality",
    "subdistrict_admin",
    "police_station",
    "provincial_office",
    "provincial_admin_org",
    "highways",
    "rural_roads",
    "marine",
    "immigration",
    "tourist_police",
    "private_partner",
    "command_center",
    "governor_office",
]
AGENCY_KINDS: tuple[str, ...] = get_args(AgencyKind)
AgencyState = Literal["active", "retired"]
CameraState = Literal["proposed", "active", "retired"]
CAMERA_STATES: tuple[str, ...] = get_args(CameraState)
PullMode = Literal["always", "on_demand"]
Transport = Literal["tcp", "udp"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Agency(Base):
    """A public body or partner that owns cameras (municipality, police station, ...)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_th: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cameras: Mapped[list[Camera]] = relationship(back_populates="agency")
    key_rows: Mapped[list[AgencyKey]] = relationship(
        back_populates="agency", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("state IN ('active', 'retired')", name="state"),)

    @validates("code", "name_th", "name_en")
    def _rekey(self, name: str, value: str | None) -> str | None:
        """Keep `agency_keys` in step with the code and names, whoever writes them."""
        current = {n: getattr(self, n) for n in ("code", "name_th", "name_en")}
        current[name] = value
        wanted = identity_keys(*current.values())
        kept = [row for row in self.key_rows if row.key in wanted]
        have = {row.key for row in kept}
        self.key_rows = kept + [AgencyKey(key=k) for k in sorted(wanted - have)]
        return value


def identity_keys(*texts: str | None) -> set[str]:
    """The normalised forms (`search_key`) under which an agency is named: code and names."""
    return {key for key in (search_key(t) for t in texts if t) if key}


class AgencyKey(Base):
    """One normalised name of an agency (its code, Thai or English name, as `search_key` folds
    them). The primary key makes every code and name name at most one agency, so an import or a
    person naming an agency can never mean two (identity squatting)."""

    __tablename__ = "agency_keys"

    key: Mapped[str] = mapped_column(String(800), primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )

    agency: Mapped[Agency] = relationship(back_populates="key_rows")


class Camera(Base):
    """One camera: where it is, who owns it, how to pull its streams (URLs without secrets)."""

    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_th: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    main_url: Mapped[str] = mapped_column(String(2048))
    sub_url: Mapped[str | None] = mapped_column(String(2048))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)  # free text, e.g. an import's extra columns
    resolution: Mapped[str | None] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(200))
    install_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)
    central_link: Mapped[bool] = mapped_column(Boolean, default=False)
    pull_mode: Mapped[str] = mapped_column(String(16), default="always")
    rtsp_transport: Mapped[str | None] = mapped_column(String(3))
    onvif_url: Mapped[str | None] = mapped_column(String(2048))  # ONVIF device service
    # the PTZ operations the camera offered when registered by ONVIF (None: not asked yet)
    ptz_operations: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="cameras")
    credential: Mapped[CameraCredential | None] = relationship(
        back_populates="camera", cascade="all, delete-orphan", uselist=False
    )
    tag_rows: Mapped[list[CameraTag]] = relationship(
        back_populates="camera", cascade="all, delete-orphan", order_by="CameraTag.tag"
    )

    __table_args__ = (
        CheckConstraint("state IN ('proposed', 'active', 'retired')", name="state"),
        CheckConstraint("pull_mode IN ('always', 'on_demand')", name="pull_mode"),
        CheckConstraint(
            "rtsp_transport IS NULL OR rtsp_transport IN ('tcp', 'udp')", name="rtsp_transport"
        ),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        CheckConstraint("name_th IS NOT NULL OR name_en IS NOT NULL", name="has_name"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def has_credentials(self) -> bool:
        return self.credential is not None


class CameraCredential(Base):
    """The user name and password of a camera, in their own table so that no query of the
    camera list can carry them by accident, sealed (AES-256-GCM) under the site key `key_id`:
    the database never holds them in the clear (vms/credentials/). Read through
    `vms.credentials.store` only."""

    __tablename__ = "camera_credentials"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    sealed: Mapped[str] = mapped_column(Text)

    camera: Mapped[Camera] = relationship(back_populates="credential")

    def __repr__(self) -> str:
        return f"CameraCredential(camera_id={self.camera_id}, username=***, password=***)"


class CameraTag(Base):
    """One lower-case tag of a camera ("beach", "market", "พื้นที่เสี่ยง")."""

    __tablename__ = "camera_tags"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)

    camera: Mapped[Camera] = relationship(back_populates="tag_rows")
