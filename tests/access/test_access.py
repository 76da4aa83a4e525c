"""The one access decision, as a pure function, and its SQL twin held to the same answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.fixtures_identity import World
from vms.access import GrantRule, camera_clause, decide, require
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import Permission, Role
from vms.db.models.registry import Camera
from vms.emergency.override import Override
from vms.errors import Forbidden, NotFound

P = Permission
NOON_BKK = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # 12:00 in Asia/Bangkok


@dataclass(frozen=True)
class Cam:
    id: int
    agency_id: int
    tags: list[str] = field(default_factory=list)
    central_link: bool = False


def who(role: Role, agency: int = 1, grants: tuple[GrantRule, ...] = (), scope=None) -> Principal:
    return Principal(1, "u", "U", agency, role, permissions_for(role, scope), grants=grants)


def test_own_agency_by_role() -> None:
    own = Cam(10, agency_id=1)
    assert decide(who(Role.OPERATOR), P.VIEW_LIVE, own, NOON_BKK)
    assert decide(who(Role.OPERATOR), P.CONTROL, own, NOON_BKK)  # steers own PTZ (issue 7)
    assert not decide(who(Role.OPERATOR), P.EXPORT, own, NOON_BKK)
    assert decide(who(Role.AGENCY_ADMIN), P.MANAGE_CAMERAS, own, NOON_BKK)
    assert not decide(who(Role.GOVERNOR), P.MANAGE_CAMERAS, own, NOON_BKK)


def test_other_agency_needs_a_grant() -> None:
    foreign = Cam(20, agency_id=2)
    assert not decide(who(Role.OPERATOR), P.VIEW_LIVE, foreign, NOON_BKK)
    assert decide(who(Role.SYSTEM_ADMIN), P.VIEW_LIVE, foreign, NOON_BKK)
    live = GrantRule(1, owner_agency_id=2, grantee_agency_id=1, level="live")
    p = who(Role.AGENCY_ADMIN, grants=(live,))
    d = decide(p, P.VIEW_LIVE, foreign, NOON_BKK)
    assert d and d.grant_id == 1
    assert not decide(p, P.VIEW_RECORDINGS, foreign, NOON_BKK)
    assert not decide(p, P.CONTROL, foreign, NOON_BKK)
    # never manage another agency's cameras, whatever is shared
    assert not decide(p, P.MANAGE_CAMERAS, foreign, NOON_BKK)


@pytest.mark.parametrize(
    ("level", "allowed"),
    [
        ("live", {P.VIEW_LIVE}),
        ("recordings", {P.VIEW_LIVE, P.VIEW_RECORDINGS}),
        ("control", {P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL}),
        ("export", {P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.EXPORT}),
    ],
)
def test_levels_are_cumulative(level: str, allowed: set[Permission]) -> None:
    g = GrantRule(1, owner_agency_id=2, grantee_agency_id=1, level=level)
    p = who(Role.AGENCY_ADMIN, grants=(g,))
    cam = Cam(20, 2)
    got = {
        perm
        for perm in (P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.EXPORT)
        if decide(p, perm, cam, NOON_BKK)
    }
    assert got == allowed


def test_camera_and_tag_targets() -> None:
    by_cam = GrantRule(1, 2, 1, "live", camera_id=20)
    by_tag = GrantRule(2, 2, 1, "live", tag="beach")
    p = who(Role.OPERATOR, grants=(by_cam, by_tag))
    assert decide(p, P.VIEW_LIVE, Cam(20, 2), NOON_BKK).grant_id == 1
    assert decide(p, P.VIEW_LIVE, Cam(21, 2, ["beach"]), NOON_BKK).grant_id == 2
    assert not decide(p, P.VIEW_LIVE, Cam(22, 2, ["market"]), NOON_BKK)
    # the owner must match too: camera 20 of agency 3 is not agency 2's camera 20
    assert not decide(p, P.VIEW_LIVE, Cam(23, 3, ["beach"]), NOON_BKK)


def test_every_agency_grant_and_grantee_must_match() -> None:
    provincial = GrantRule(1, None, 7, "live")
    assert decide(
        who(Role.OPERATOR, agency=7, grants=(provincial,)), P.VIEW_LIVE, Cam(1, 3), NOON_BKK
    )
    # a rule towards another agency never helps, even if handed in by mistake
    assert not decide(
        who(Role.OPERATOR, agency=8, grants=(provincial,)), P.VIEW_LIVE, Cam(1, 3), NOON_BKK
    )


def test_hours_window_and_expiry() -> None:
    cam = Cam(20, 2)
    office = GrantRule(1, 2, 1, "live", hours=(time(8), time(17)), tz="Asia/Bangkok")
    night = GrantRule(2, 2, 1, "live", hours=(time(22), time(6)), tz="Asia/Bangkok")
    assert decide(who(Role.OPERATOR, grants=(office,)), P.VIEW_LIVE, cam, NOON_BKK)
    evening = NOON_BKK + timedelta(hours=8)  # 20:00 local
    assert not decide(who(Role.OPERATOR, grants=(office,)), P.VIEW_LIVE, cam, evening)
    assert not decide(who(Role.OPERATOR, grants=(night,)), P.VIEW_LIVE, cam, NOON_BKK)
    assert decide(
        who(Role.OPERATOR, grants=(night,)), P.VIEW_LIVE, cam, NOON_BKK + timedelta(hours=11)
    )
    expiring = GrantRule(3, 2, 1, "live", expires_at=NOON_BKK + timedelta(minutes=1))
    assert decide(who(Role.OPERATOR, grants=(expiring,)), P.VIEW_LIVE, cam, NOON_BKK)
    assert not decide(
        who(Role.OPERATOR, grants=(expiring,)), P.VIEW_LIVE, cam, NOON_BKK + timedelta(minutes=1)
    )


def test_token_scope_narrows_the_role() -> None:
    p = who(Role.AGENCY_ADMIN, scope=frozenset({P.VIEW_LIVE}))
    assert decide(p, P.VIEW_LIVE, Cam(1, 1), NOON_BKK)
    assert not decide(p, P.CONTROL, Cam(1, 1), NOON_BKK)


def test_the_national_account_sees_the_central_linked_cameras_only_read_only() -> None:
    national = who(Role.NATIONAL, agency=5)
    linked, unlinked = Cam(1, agency_id=2, central_link=True), Cam(2, agency_id=5)
    assert decide(national, P.VIEW_LIVE, linked, NOON_BKK).reason.startswith("central-linked")
    assert decide(national, P.VIEW_RECORDINGS, linked, NOON_BKK)
    for perm in (P.CONTROL, P.EXPORT, P.MANAGE_CAMERAS):
        assert not decide(national, perm, linked, NOON_BKK)
    # not even its own agency's cameras unless linked, and no emergency widens it
    assert not decide(national, P.VIEW_LIVE, unlinked, NOON_BKK)
    everything = Override(1, "active", NOON_BKK - timedelta(hours=1),
                          NOON_BKK + timedelta(hours=1), True)  # fmt: skip
    assert not decide(national, P.VIEW_LIVE, unlinked, NOON_BKK, emergency=everything)
    with pytest.raises(NotFound):
        require(national, P.VIEW_LIVE, unlinked, NOON_BKK)


def test_require_hides_unshared_and_forbids_visible() -> None:
    g = GrantRule(1, 2, 1, "live")
    with pytest.raises(NotFound, match="camera 30 not found"):
        require(who(Role.AGENCY_ADMIN), P.VIEW_LIVE, Cam(30, 2), NOON_BKK)
    with pytest.raises(Forbidden):
        require(who(Role.AGENCY_ADMIN, grants=(g,)), P.CONTROL, Cam(30, 2), NOON_BKK)


def test_sql_clause_agrees_with_decide(world: World) -> None:
    a = world.agencies
    grants = (
        GrantRule(1, a["muni"], a["police"], "live", tag="beach"),
        GrantRule(2, a["muni"], a["police"], "recordings", camera_id=world.cameras["muni1"]),
        GrantRule(3, None, a["police"], "live", expires_at=NOON_BKK),  # expired
    )
    now = NOON_BKK + timedelta(days=1)
    hour = timedelta(hours=1)
    with world.services.db.session() as s:  # one linked camera: the national account's view
        linked = s.get(Camera, world.cameras["police1"])
        assert linked is not None
        linked.central_link = True
    centers = frozenset({a["cc"]})
    overrides = (
        None,
        Override(1, "active", now - hour, now + hour, True, include_command_center=True,
                 command_center_agency_ids=centers),
        Override(2, "active", now - hour, now + hour, False, frozenset({a["police"]}),
                 frozenset({"beach"}), command_center_agency_ids=centers),
        Override(3, "active", now - 2 * hour, now, True),  # expired exactly now
        Override(4, "pending_confirmation", None, None, True),
    )  # fmt: skip
    with world.services.db.session() as s:
        cams = list(s.scalars(select(Camera)))
        for role in Role:
            for agency in ("muni", "police", "cc", "gov"):
                p = who(role, agency=a[agency], grants=grants)
                for perm in Permission:
                    for em in overrides:
                        expected = {c.id for c in cams if decide(p, perm, c, now, emergency=em)}
                        clause = camera_clause(p, perm, now, emergency=em)
                        got = set(s.scalars(select(Camera.id).where(clause)))
                        assert got == expected, (role, agency, perm, em)
