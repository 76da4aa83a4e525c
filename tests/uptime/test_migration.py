"""Migration 0013 creates exactly the table the model describes (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from vms.db.base import Base
from vms.db.migrate import current_heads, upgrade


def test_stream_states_migration_matches_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        assert "0013_stream_states" in current_heads(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "stream_states" in repr(d)] == []
    finally:
        engine.dispose()
