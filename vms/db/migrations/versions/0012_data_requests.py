"""Data-use requests, their cameras and approvals, and evidence locks.

Revision ID: 0012_data_requests
Revises: 0010_emergency
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_data_requests"
down_revision: str | Sequence[str] | None = "0010_emergency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("requester_agency_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approver", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("emergency_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("export_state", sa.String(length=16), nullable=False),
        sa.Column("export_error", sa.Text(), nullable=True),
        sa.Column("export_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("export_file", sa.String(length=300), nullable=True),
        sa.Column("export_sha256", sa.String(length=64), nullable=True),
        sa.Column("export_bytes", sa.Integer(), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "export_state IN ('none', 'queued', 'building', 'ready', 'failed')",
            name=op.f("ck_data_requests_export_state"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'exported', 'expired')",
            name=op.f("ck_data_requests_state"),
        ),
        sa.CheckConstraint("stream IN ('main', 'sub')", name=op.f("ck_data_requests_stream")),
        sa.CheckConstraint('"end" > start', name=op.f("ck_data_requests_range")),
        sa.ForeignKeyConstraint(
            ["rejected_by"], ["users.id"], name=op.f("fk_data_requests_rejected_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["requester_agency_id"],
            ["agencies.id"],
            name=op.f("fk_data_requests_requester_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_data_requests_requester_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    op.create_index(
        op.f("ix_data_requests_requester_id"), "data_requests", ["requester_id"], unique=False
    )
    op.create_index(op.f("ix_data_requests_state"), "data_requests", ["state"], unique=False)
    op.create_table(
        "data_request_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_requests.id"],
            name=op.f("fk_data_request_approvals_request_id_data_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_data_request_approvals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request_approvals")),
        sa.UniqueConstraint("request_id", "capacity", name="uq_approval_capacity"),
    )
    op.create_index(
        op.f("ix_data_request_approvals_request_id"),
        "data_request_approvals",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "data_request_cameras",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_data_request_cameras_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_data_request_cameras_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_requests.id"],
            name=op.f("fk_data_request_cameras_request_id_data_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "camera_id", name=op.f("pk_data_request_cameras")),
    )
    op.create_index(
        op.f("ix_data_request_cameras_agency_id"),
        "data_request_cameras",
        ["agency_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_data_request_cameras_agency_id"), table_name="data_request_cameras")
    op.drop_table("data_request_cameras")
    op.drop_index(op.f("ix_data_request_approvals_request_id"), table_name="data_request_approvals")
    op.drop_table("data_request_approvals")
    op.drop_index(op.f("ix_data_requests_state"), table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_requester_id"), table_name="data_requests")
    op.drop_table("data_requests")
