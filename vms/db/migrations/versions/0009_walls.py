"""Walls: registered displays and what the command center pushed to them.

Revision ID: 0009_walls
Revises: 0001_registry
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_walls"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "walls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=True),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("pushed_by", sa.String(length=100), nullable=True),
        sa.Column("pushed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("pushed_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("emergency_id", sa.Integer(), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_walls_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walls")),
        sa.UniqueConstraint("name", name=op.f("uq_walls_name")),
    )
    op.create_index(op.f("ix_walls_agency_id"), "walls", ["agency_id"], unique=False)
    op.create_index(op.f("ix_walls_group"), "walls", ["group"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_walls_group"), table_name="walls")
    op.drop_index(op.f("ix_walls_agency_id"), table_name="walls")
    op.drop_table("walls")
