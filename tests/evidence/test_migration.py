"""Migration 0012 creates exactly the tables the evidence models describe, and its downgrade
removes them (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import vms.db.models.evidence  # noqa: F401  (the tables compared)
from vms.db.base import Base
from vms.db.migrate import alembic_config, current_heads, upgrade

TABLES = {"data_requests", "data_request_cameras", "data_request_approvals"}


def test_migration_matches_the_models_and_downgrades(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        assert "0012_data_requests" in current_heads(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if any(t in repr(d) for t in TABLES)] == []
        assert TABLES <= set(inspect(engine).get_table_names())
        cfg = alembic_config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012_data_requests@0010_emergency")
            conn.commit()
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
