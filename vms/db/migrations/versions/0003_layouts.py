"""Layouts: saved video-wall arrangements, per owner and optionally shared.

Revision ID: 0003_layouts
Revises: 0001_registry
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_layouts"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "layouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("grid", sa.String(length=16), nullable=False),
        sa.Column("tiles", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layouts")),
        sa.UniqueConstraint("owner", "name", name="uq_layouts_owner_name"),
    )
    op.create_index(op.f("ix_layouts_owner"), "layouts", ["owner"], unique=False)
    op.create_index(op.f("ix_layouts_shared"), "layouts", ["shared"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_layouts_shared"), table_name="layouts")
    op.drop_index(op.f("ix_layouts_owner"), table_name="layouts")
    op.drop_table("layouts")
