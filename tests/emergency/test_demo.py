"""The demo seeds a governor's-office user who may declare (and the office as an agency)."""

from __future__ import annotations

from vms.auth.roles import ROLE_PERMISSIONS, Permission
from vms.cli.demo import DEMO_USERS, EXTRA_AGENCIES


def test_demo_has_a_governor_who_may_declare() -> None:
    offices = {code for code, kind, *_ in EXTRA_AGENCIES if kind == "governor_office"}
    declarers = [
        u
        for u in DEMO_USERS
        if Permission.DECLARE_EMERGENCY in ROLE_PERMISSIONS[u.role] and u.agency_code in offices
    ]
    assert [u.username for u in declarers] == ["governor"]
