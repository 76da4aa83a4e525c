"""Registry: agencies, cameras, camera credentials, camera tags.

Revision ID: 0001_registry
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_registry"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('active', 'retired')", name=op.f("ck_agencies_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("main_url", sa.String(length=2048), nullable=False),
        sa.Column("sub_url", sa.String(length=2048), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("central_link", sa.Boolean(), nullable=False),
        sa.Column("pull_mode", sa.String(length=16), nullable=False),
        sa.Column("rtsp_transport", sa.String(length=3), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('proposed', 'active', 'retired')", name=op.f("ck_cameras_state")
        ),
        sa.CheckConstraint(
            "pull_mode IN ('always', 'on_demand')", name=op.f("ck_cameras_pull_mode")
        ),
        sa.CheckConstraint(
            "rtsp_transport IS NULL OR rtsp_transport IN ('tcp', 'udp')",
            name=op.f("ck_cameras_rtsp_transport"),
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name=op.f("ck_cameras_latitude")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
            name=op.f("ck_cameras_longitude"),
        ),
        sa.CheckConstraint(
            "name_th IS NOT NULL OR name_en IS NOT NULL", name=op.f("ck_cameras_has_name")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_cameras_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("code", name=op.f("uq_cameras_code")),
    )
    op.create_index(op.f("ix_cameras_agency_id"), "cameras", ["agency_id"])
    op.create_index(op.f("ix_cameras_state"), "cameras", ["state"])
    op.create_table(
        "camera_credentials",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_credentials_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_credentials")),
    )
    op.create_table(
        "camera_tags",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_tags_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("camera_id", "tag", name=op.f("pk_camera_tags")),
    )
    op.create_index(op.f("ix_camera_tags_tag"), "camera_tags", ["tag"])


def downgrade() -> None:
    op.drop_index(op.f("ix_camera_tags_tag"), table_name="camera_tags")
    op.drop_table("camera_tags")
    op.drop_table("camera_credentials")
    op.drop_index(op.f("ix_cameras_state"), table_name="cameras")
    op.drop_index(op.f("ix_cameras_agency_id"), table_name="cameras")
    op.drop_table("cameras")
    op.drop_table("agencies")
