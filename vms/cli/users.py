"""`vms users create-admin`: the first system administrator of a fresh install.

There is no default password: the password comes from a prompt, from stdin
(`--password-stdin`), or is generated and printed to this console only (`--generate`).
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from sqlalchemy import select

from vms.audit import AuditEntry, AuditTrail
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.cli.common import add_config_option, settings_from_args
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency
from vms.errors import InvalidInput

DEFAULT_AGENCY = "COMMAND-CENTER"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "users", help="manage user accounts", description="Manage user accounts."
    )
    users = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    c: argparse.ArgumentParser = users.add_parser(
        "create-admin",
        help="create a system administrator (first sign-in of a fresh install)",
        description=(
            "Create a system administrator. The agency is found by code, or created as the "
            "command center if it does not exist yet."
        ),
    )
    add_config_option(c)
    c.add_argument("--username", required=True, help="sign-in name of the administrator")
    c.add_argument("--display-name", default="", help="name shown on the wall")
    c.add_argument(
        "--agency", default=DEFAULT_AGENCY, help=f"agency code (default {DEFAULT_AGENCY})"
    )
    how = c.add_mutually_exclusive_group()
    how.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    how.add_argument(
        "--generate", action="store_true", help="generate a password and print it here once"
    )
    c.set_defaults(handler=create_admin)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.generate:
        return secrets.token_urlsafe(15), True
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to prompt on: use --password-stdin or --generate")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidInput("the two passwords differ")
    return first, False


def create_admin(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    password, generated = _password(args)
    db = Database(settings.database.url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            agency = session.scalars(select(Agency).where(Agency.code == args.agency)).first()
            if agency is None:
                agency = Agency(code=args.agency, kind="command_center", name_en="Command Center")
                session.add(agency)
                session.flush()
            spec = UserSpec(
                args.username, password, agency.id, Role.SYSTEM_ADMIN, args.display_name
            )
            user = create_user(session, spec, None)
            user_id, agency_id, agency_code = user.id, agency.id, agency.code
        AuditTrail(db).append(
            AuditEntry(
                "user.create",
                username="console",
                detail={
                    "target_user_id": user_id,
                    "role": "system_admin",
                    "target_agency_id": agency_id,
                },
            )
        )
    finally:
        db.dispose()
    print(f"created system administrator {args.username!r} in agency {agency_code}")
    if generated:
        print(f"password (shown once): {password}")
    return 0
