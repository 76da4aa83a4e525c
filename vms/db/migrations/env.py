"""Alembic environment: runs on the connection handed over by vms.db.migrate (or one built from
sqlalchemy.url when alembic is run by hand). The version table lands in the connection's
current schema, so a PostgreSQL search_path keeps it beside the tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

# every model module, so Base.metadata holds every table (autogenerate and checks see them all)
import vms.db.models.emergency
import vms.db.models.evidence
import vms.db.models.identity
import vms.db.models.imports
import vms.db.models.layouts
import vms.db.models.recording
import vms.db.models.registry
import vms.db.models.stream_states
import vms.db.models.walls  # noqa: F401
from vms.db.base import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/vms.db")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `vms db upgrade`")
run_migrations_online()
