"""Emergency declarations (the governor's override).

Revision ID: 0010_emergency
Revises: 0002_identity
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_emergency"
down_revision: str | Sequence[str] | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "emergency_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("include_command_center", sa.Boolean(), nullable=False),
        sa.Column("declared_by", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirm_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by"], ["users.id"], name=op.f("fk_emergency_declarations_declared_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["users.id"],
            name=op.f("fk_emergency_declarations_confirmed_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"], ["users.id"], name=op.f("fk_emergency_declarations_ended_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_declarations")),
    )
    op.create_index(
        op.f("ix_emergency_declarations_ends_at"), "emergency_declarations", ["ends_at"]
    )
    op.create_index(op.f("ix_emergency_declarations_state"), "emergency_declarations", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_emergency_declarations_state"), table_name="emergency_declarations")
    op.drop_index(op.f("ix_emergency_declarations_ends_at"), table_name="emergency_declarations")
    op.drop_table("emergency_declarations")
