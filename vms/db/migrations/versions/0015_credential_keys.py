"""Camera credentials sealed under the site's credential keys: the user name and password
columns give way to `key_id` and `sealed` (AES-256-GCM, vms/credentials/keys.py).

A data migration: rows stored in the clear are sealed here, under the primary key the server
(or `vms db upgrade`) hands over, else the one in VMS_CREDENTIAL_KEYS; with such rows and no
key the upgrade stops, saying so, and nothing changes. The downgrade opens them again.

Revision ID: 0015_credential_keys
Revises: 0010_emergency
Create Date: 2026-12-02
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from vms.credentials.keys import ENV_VAR, KeyRing, parse_keys
from vms.errors import ConfigError

revision: str = "0015_credential_keys"
down_revision: str | Sequence[str] | None = "0010_emergency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = sa.table(
    "camera_credentials",
    sa.column("camera_id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("password", sa.String()),
    sa.column("key_id", sa.String()),
    sa.column("sealed", sa.Text()),
)


def _keys(why: str) -> KeyRing:
    keys = context.config.attributes.get("credential_keys")
    if isinstance(keys, KeyRing):
        return keys
    if os.environ.get(ENV_VAR, "").strip():
        return parse_keys(os.environ[ENV_VAR], f"environment {ENV_VAR}")
    raise ConfigError(
        f"{why} and no credential key is configured: create one (`vms keys init`) or set "
        f"{ENV_VAR}, then run the migration again"
    )


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_TABLE.c.camera_id, _TABLE.c.username, _TABLE.c.password)).all()
    keys = _keys(f"{len(rows)} camera credential(s) are stored in the clear") if rows else None
    with op.batch_alter_table("camera_credentials") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=True))
    if keys is not None:
        for camera_id, username, password in rows:
            key_id, sealed = keys.seal(username, password)
            bind.execute(
                _TABLE.update()
                .where(_TABLE.c.camera_id == camera_id)
                .values(key_id=key_id, sealed=sealed)
            )
    with op.batch_alter_table("camera_credentials") as batch:
        batch.drop_column("username")
        batch.drop_column("password")
        batch.alter_column("key_id", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("sealed", existing_type=sa.Text(), nullable=False)
        batch.create_index(op.f("ix_camera_credentials_key_id"), ["key_id"])


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_TABLE.c.camera_id, _TABLE.c.key_id, _TABLE.c.sealed)).all()
    keys = _keys(f"{len(rows)} camera credential(s) are sealed") if rows else None
    with op.batch_alter_table("camera_credentials") as batch:
        batch.drop_index(op.f("ix_camera_credentials_key_id"))
        batch.add_column(sa.Column("username", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("password", sa.String(length=200), nullable=True))
    if keys is not None:
        for camera_id, key_id, sealed in rows:
            username, password = keys.open(key_id, sealed)
            bind.execute(
                _TABLE.update()
                .where(_TABLE.c.camera_id == camera_id)
                .values(username=username, password=password)
            )
    with op.batch_alter_table("camera_credentials") as batch:
        batch.drop_column("key_id")
        batch.drop_column("sealed")
        batch.alter_column("username", existing_type=sa.String(length=200), nullable=False)
        batch.alter_column("password", existing_type=sa.String(length=200), nullable=False)
