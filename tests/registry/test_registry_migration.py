"""0001_registry (and 0014_import_mappings) build exactly the tables the models describe, on
SQLite and PostgreSQL, with Alembic's version table in the same schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table, inspect

import vms.db.models.imports
import vms.db.models.registry  # noqa: F401
from vms.db.base import Base
from vms.db.engine import Database
from vms.db.migrate import current_heads, script_heads, upgrade

REGISTRY_TABLES = {
    "agencies", "agency_keys", "cameras", "camera_credentials", "camera_tags", "import_mappings",
}  # fmt: skip


def _table_of(op: Any) -> str | None:
    """The table an autogenerate diff entry is about."""
    item = op[0] if isinstance(op, list) else op
    for part in item[1:]:
        if isinstance(part, str):
            return part
        if isinstance(part, Table):
            return part.name
        table = getattr(part, "table", None)
        if isinstance(table, Table):
            return table.name
    return None


def test_upgrade_heads_matches_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine)
        upgrade(db.engine)  # a second run is a no-op
        assert current_heads(db.engine) == script_heads()
        tables = set(inspect(db.engine).get_table_names())
        assert REGISTRY_TABLES | {"alembic_version"} <= tables
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)

        ours = [op for op in diff if _table_of(op) in REGISTRY_TABLES]
        assert ours == []
    finally:
        db.dispose()
