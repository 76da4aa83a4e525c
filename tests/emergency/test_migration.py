"""Migration 0010 creates exactly the table the model describes (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from vms.db.base import Base
from vms.db.migrate import alembic_config, current_heads, upgrade


def test_emergency_migration_matches_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        script = ScriptDirectory.from_config(alembic_config())
        applied = {r.revision for r in script.iterate_revisions(current_heads(engine), "base")}
        assert "0010_emergency" in applied  # a head, or below later revisions
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "emergency" in repr(d)] == []
    finally:
        engine.dispose()
