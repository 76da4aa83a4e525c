"""THE PTZ decision (vms.access.decide_ptz): who may steer which camera, in which standing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.access.test_access import Cam
from vms.access import ControlContext, GrantRule, decide_ptz, require_ptz
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import Permission, Role
from vms.emergency.override import Override
from vms.errors import Forbidden, NotFound

NOW = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
OWN, OTHER, CC = 1, 2, 9


def who(role: Role, agency: int = OWN, grants: tuple[GrantRule, ...] = (), scope=None) -> Principal:
    return Principal(1, "u", "U", agency, role, permissions_for(role, scope), grants=grants)


def grant(level: str, grantee: int, owner: int | None = OWN) -> GrantRule:
    return GrantRule(id=7, owner_agency_id=owner, grantee_agency_id=grantee, level=level)


CAM = Cam(10, agency_id=OWN)
PROVINCIAL = (grant("live", CC, owner=None),)


@pytest.mark.parametrize(
    ("principal", "command_center", "standing"),
    [
        (who(Role.SYSTEM_ADMIN, OTHER), False, "system_admin"),
        (who(Role.SUPERVISOR, CC, PROVINCIAL), True, "command_supervisor"),
        (who(Role.AGENCY_ADMIN), False, "agency_admin"),
        (who(Role.OPERATOR), False, "agency_staff"),
        (who(Role.DESK_OFFICER), False, "agency_staff"),
        (who(Role.SUPERVISOR), False, "agency_staff"),
        (who(Role.OPERATOR, CC, PROVINCIAL), True, "command_operator"),
        (who(Role.OPERATOR, OTHER, (grant("control", OTHER),)), False, "shared"),
        (who(Role.AGENCY_ADMIN, OTHER, (grant("export", OTHER),)), False, "shared"),
    ],
)
def test_standing_of_each_case(principal: Principal, command_center: bool, standing: str) -> None:
    decision = decide_ptz(principal, CAM, ControlContext(NOW, command_center=command_center))
    assert decision.allowed and decision.standing == standing, decision


@pytest.mark.parametrize(
    "principal",
    [
        who(Role.GOVERNOR),  # no control until the emergency seam says so
        who(Role.OPERATOR, OTHER, (grant("recordings", OTHER),)),  # a view grant is not control
        who(Role.OPERATOR, OTHER),
        who(Role.DESK_OFFICER, CC, PROVINCIAL),  # a command center's desk officer only watches
        who(Role.OPERATOR, scope=frozenset({Permission.VIEW_LIVE})),  # a token scoped to watch
    ],
)
def test_who_may_not_steer(principal: Principal) -> None:
    ctx = ControlContext(NOW, command_center=principal.agency_id == CC)
    assert not decide_ptz(principal, CAM, ctx)


def test_a_command_center_role_needs_to_see_the_camera() -> None:
    blind = who(Role.SUPERVISOR, CC)  # no provincial grant: the camera is invisible
    assert not decide_ptz(blind, CAM, ControlContext(NOW, command_center=True))
    with pytest.raises(NotFound):
        require_ptz(blind, CAM, ControlContext(NOW, command_center=True), not_found="nope")


def test_visible_but_not_steerable_is_forbidden() -> None:
    viewer = who(Role.OPERATOR, OTHER, (grant("live", OTHER),))
    with pytest.raises(Forbidden):
        require_ptz(viewer, CAM, ControlContext(NOW), not_found="nope")


def _override(**kw: object) -> Override:
    values: dict[str, object] = {
        "id": 7, "state": "active", "starts_at": NOW - timedelta(hours=1),
        "ends_at": NOW + timedelta(hours=1), "scope_all": True,
    }  # fmt: skip
    values.update(kw)
    return Override(**values)  # type: ignore[arg-type]


def test_the_emergency_override_puts_the_governor_above_everyone() -> None:
    governor = who(Role.GOVERNOR, OTHER)
    decision = decide_ptz(governor, CAM, ControlContext(NOW, emergency=_override()))
    assert decision.allowed and decision.standing == "emergency" and decision.emergency_id == 7
    # without an override, or with one expired, or not covering the camera: no control
    assert not decide_ptz(governor, CAM, ControlContext(NOW))
    expired = _override(ends_at=NOW - timedelta(seconds=1))
    assert not decide_ptz(governor, CAM, ControlContext(NOW, emergency=expired))
    elsewhere = _override(scope_all=False, agency_ids=frozenset({OTHER}))
    assert not decide_ptz(governor, CAM, ControlContext(NOW, emergency=elsewhere))
    # an override empowers the governor's office, not another agency's operator
    operator = who(Role.OPERATOR, OTHER)
    assert not decide_ptz(operator, CAM, ControlContext(NOW, emergency=_override()))
