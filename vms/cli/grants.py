"""`vms grants provincial`: give a command center the provincial agreement, from the console.

The provincial agreement (every agency's cameras, live, to the command center) is never created
as a side effect; a fresh install gives it here (or a system administrator through
`POST /api/v1/grants` with `owner_agency_id` null). Either way the act is audited.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import select

from vms.audit import AuditEntry, AuditTrail
from vms.cli.common import add_config_option, settings_from_args
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import Grant
from vms.db.models.registry import Agency
from vms.errors import Conflict, InvalidInput, NotFound
from vms.sharing import COMMAND_CENTER_KIND, provincial_spec


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "grants", help="sharing agreements", description="Sharing agreements between agencies."
    )
    actions = p.add_subparsers(dest="grants_command", metavar="ACTION", required=True)
    c: argparse.ArgumentParser = actions.add_parser(
        "provincial",
        help="give a command center every agency's cameras, live (audited)",
        description=(
            "Create the provincial agreement towards one command-center agency: every "
            "agency's cameras, live. Refused if that agency already holds one in force."
        ),
    )
    add_config_option(c)
    c.add_argument("--agency", required=True, help="code of the command-center agency")
    c.set_defaults(handler=provincial)


def give_provincial(db: Database, agency_code: str, *, by: str = "console") -> int:
    """Create and audit the provincial grant towards the command center `agency_code`; its id.

    Shared by this command and `vms demo`."""
    with db.session() as session:
        agency = session.scalars(select(Agency).where(Agency.code == agency_code)).first()
        if agency is None:
            raise NotFound(f"no agency with code {agency_code!r}")
        if agency.kind != COMMAND_CENTER_KIND or agency.state != "active":
            raise InvalidInput(f"agency {agency_code} is not an active command center")
        held = session.scalars(
            select(Grant.id).where(
                Grant.owner_agency_id.is_(None),
                Grant.grantee_agency_id == agency.id,
                Grant.revoked_at.is_(None),
            )
        ).first()
        if held is not None:
            raise Conflict(f"agency {agency_code} already holds the provincial grant {held}")
        spec = provincial_spec(agency.id)
        grant = Grant(
            owner_agency_id=None,
            grantee_agency_id=agency.id,
            level=spec.level,
            note=spec.note,
        )
        session.add(grant)
        session.flush()
        grant_id, agency_id = grant.id, agency.id
    AuditTrail(db).append(
        AuditEntry(
            "grant.create",
            username=by,
            detail={
                "grant_id": grant_id,
                "owner_agency_id": None,
                "grantee_agency_id": agency_id,
                "level": spec.level,
                "camera_id": None,
                "tag": None,
            },
        )
    )
    return grant_id


def provincial(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    db = Database(settings.database.url)
    try:
        upgrade(db.engine)
        grant_id = give_provincial(db, args.agency)
    finally:
        db.dispose()
    print(f"provincial grant {grant_id}: every agency's cameras, live, to {args.agency}")
    return 0
