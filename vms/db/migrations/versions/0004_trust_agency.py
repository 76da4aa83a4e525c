"""Agency identity keys: every code and Thai/English name names at most one agency.

`agency_keys.key` (primary key) holds each agency's code and names folded by
`vms.registry.thai.search_key` (NFKC, casefold, white space collapsed, zero-width removed).

Existing duplicates cannot be keyed twice. They are resolved here, without dropping anything,
and each one is logged (logger `alembic.runtime.migration`, level WARNING): codes are kept
(a clashing code is the first claim); among names the lowest agency id keeps it, and a later
agency's clashing name becomes "NAME [duplicate, agency ID]", which a system administrator then
reviews and renames (docs/registry.md).

Revision ID: 0004_trust_agency
Revises: 0001_registry
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vms.registry.thai import search_key

revision: str = "0004_trust_agency"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_table(
        "agency_keys",
        sa.Column("key", sa.String(length=800), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_keys_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_agency_keys")),
    )
    op.create_index(op.f("ix_agency_keys_agency_id"), "agency_keys", ["agency_id"], unique=False)
    _key_existing(op.get_bind())


def _key_existing(conn: sa.Connection) -> None:
    agencies = sa.table(
        "agencies",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name_th", sa.String),
        sa.column("name_en", sa.String),
    )
    rows = conn.execute(
        sa.select(agencies.c.id, agencies.c.code, agencies.c.name_th, agencies.c.name_en)
        .order_by(agencies.c.id)
    ).all()
    owner: dict[str, int] = {}
    for row in rows:  # codes first: a code is never renamed here
        key = search_key(row.code)
        if key in owner:
            raise RuntimeError(
                f"agencies {owner[key]} and {row.id} have the same code {row.code!r} "
                "(differing only in case); rename one before upgrading"
            )
        owner[key] = row.id
    for row in rows:
        for column in ("name_th", "name_en"):
            name = getattr(row, column)
            if not name:
                continue
            key = search_key(name)
            if owner.setdefault(key, row.id) == row.id:
                continue
            renamed = f"{name} [duplicate, agency {row.id}]"[:200]
            log.warning(
                "agency %d: %s %r also names agency %d; renamed to %r",
                row.id, column, name, owner[key], renamed,
            )  # fmt: skip
            conn.execute(
                agencies.update().where(agencies.c.id == row.id).values({column: renamed})
            )
            owner[search_key(renamed)] = row.id
    keys = sa.table("agency_keys", sa.column("key", sa.String), sa.column("agency_id"))
    if owner:
        conn.execute(keys.insert(), [{"key": k, "agency_id": a} for k, a in owner.items()])


def downgrade() -> None:
    op.drop_index(op.f("ix_agency_keys_agency_id"), table_name="agency_keys")
    op.drop_table("agency_keys")
