"""Recording index: segments, gaps and evidence locks.

Revision ID: 0011_recording
Revises: 0010_emergency
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_recording"
down_revision: str | Sequence[str] | None = "0010_emergency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _camera_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["camera_id"],
        ["cameras.id"],
        name=op.f(f"fk_{table}_camera_id_cameras"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "recording_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("keyframes_ms", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        _camera_fk("recording_segments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_segments")),
        sa.UniqueConstraint("path", name=op.f("uq_recording_segments_path")),
    )
    op.create_index(
        "ix_recording_segments_camera_stream_start",
        "recording_segments",
        ["camera_id", "stream", "start"],
    )
    op.create_index("ix_recording_segments_state", "recording_segments", ["state"])
    op.create_table(
        "recording_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _camera_fk("recording_gaps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_gaps")),
    )
    op.create_index(
        "ix_recording_gaps_camera_stream_start", "recording_gaps", ["camera_id", "stream", "start"]
    )
    op.create_table(
        "recording_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        _camera_fk("recording_locks"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_recording_locks_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_locks")),
    )
    op.create_index("ix_recording_locks_camera_id", "recording_locks", ["camera_id"])


def downgrade() -> None:
    op.drop_index("ix_recording_locks_camera_id", table_name="recording_locks")
    op.drop_table("recording_locks")
    op.drop_index("ix_recording_gaps_camera_stream_start", table_name="recording_gaps")
    op.drop_table("recording_gaps")
    op.drop_index("ix_recording_segments_state", table_name="recording_segments")
    op.drop_index("ix_recording_segments_camera_stream_start", table_name="recording_segments")
    op.drop_table("recording_segments")
