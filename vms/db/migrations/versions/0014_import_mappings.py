"""import_mappings: an agency's remembered column and agency-name mappings for the importer;
cameras.notes: free text (where an import keeps the columns it has no field for).

Revision ID: 0014_import_mappings
Revises: 0010_emergency
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_import_mappings"
down_revision: str | Sequence[str] | None = "0010_emergency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey("agencies.id", name="fk_import_mappings_agency_id_agencies"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_id", "kind", "source_key", name="uq_import_mappings_source"),
    )
    op.create_index("ix_import_mappings_agency_id", "import_mappings", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_import_mappings_agency_id", table_name="import_mappings")
    op.drop_table("import_mappings")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("notes")
