"""Stream state history (uptime reports).

Revision ID: 0013_stream_states
Revises: 0010_emergency
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_stream_states"
down_revision: str | Sequence[str] | None = "0010_emergency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stream_states",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_stream_states_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_states")),
    )
    op.create_index(op.f("ix_stream_states_at"), "stream_states", ["at"])
    op.create_index("ix_stream_states_stream_at", "stream_states", ["camera_id", "stream", "at"])


def downgrade() -> None:
    op.drop_index("ix_stream_states_stream_at", table_name="stream_states")
    op.drop_index(op.f("ix_stream_states_at"), table_name="stream_states")
    op.drop_table("stream_states")
