"""Migration 0011 creates exactly the tables the recording models describe (SQLite and
PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import vms.db.models.recording  # noqa: F401  (registers the tables)
from vms.db.base import Base
from vms.db.migrate import upgrade


def test_recording_migration_matches_the_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"recording_segments", "recording_gaps", "recording_locks"} <= tables
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "recording" in repr(d)] == []
    finally:
        engine.dispose()
