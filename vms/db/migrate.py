"""Brings the database schema up to date with Alembic (`upgrade heads`), at start and from
`vms db upgrade`. Blocking: call it in a thread from async code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from vms.credentials.keys import KeyRing

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config pointing at our migrations, with no alembic.ini needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, target: str = "heads", *, keys: KeyRing | None = None) -> None:
    """Apply every migration not yet applied (all branches: registry, identity, layouts).
    `keys`: the credential keys, for migrations that seal stored credentials (0015)."""
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["credential_keys"] = keys
        command.upgrade(cfg, target)
        conn.commit()


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def script_heads() -> set[str]:
    """The newest revision of each branch shipped with this code."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
