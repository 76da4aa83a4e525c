"""`vms db upgrade`: apply the database migrations (the server also does this at start)."""

from __future__ import annotations

import argparse
from typing import Any

from vms.cli.common import add_config_option, settings_from_args
from vms.db.engine import Database
from vms.db.migrate import current_heads, upgrade


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "db", help="database maintenance", description="Database maintenance."
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "upgrade",
        help="apply every pending migration (alembic upgrade heads)",
        description="Bring the schema of database.url up to date.",
    )
    add_config_option(up)
    up.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    db = Database(settings.database.url)
    try:
        upgrade(db.engine)
        heads = ", ".join(sorted(current_heads(db.engine)))
    finally:
        db.dispose()
    print(f"database is at {heads}")
    return 0
