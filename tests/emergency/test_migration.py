"""Migration 0010 creates exactly the table the model describes (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from vms.db.base import Base
from vms.db.migrate import upgrade


def test_emergency_migration_matches_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        # applied (later revisions, e.g. 0011_recording, may follow it)
        assert "emergency_declarations" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "emergency" in repr(d)] == []
    finally:
        engine.dispose()
