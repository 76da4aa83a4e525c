"""cameras.onvif_url: the camera's ONVIF device service (PTZ over ONVIF).

Revision ID: 0007_onvif_url
Revises: 0001_registry
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_onvif_url"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("onvif_url", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("ptz_operations", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("ptz_operations")
        batch.drop_column("onvif_url")
