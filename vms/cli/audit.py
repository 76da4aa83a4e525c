"""`vms audit verify`: walk the hash chain and report the first broken link."""

from __future__ import annotations

import argparse
from typing import Any

from vms.audit import AuditTrail
from vms.cli.common import add_config_option, settings_from_args
from vms.db.engine import Database


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "audit", help="check the audit trail", description="Audit trail tools."
    )
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v: argparse.ArgumentParser = actions.add_parser(
        "verify",
        help="verify the hash chain; exit 1 at the first broken link",
        description="Recompute every record's hash and link; report the first broken one.",
    )
    add_config_option(v)
    v.set_defaults(handler=verify)


def verify(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    db = Database(settings.database.url)
    try:
        result = AuditTrail(db).verify()
    finally:
        db.dispose()
    if result.ok:
        print(f"audit trail intact: {result.checked} records")
        return 0
    print(
        f"audit trail BROKEN at record {result.first_broken}: {result.reason} "
        f"({result.checked} records before it are intact)"
    )
    return 1
