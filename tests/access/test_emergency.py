"""The emergency override in the one access decision: the full authorization matrix (every
demo-like user x camera x action) before, during and after a declaration, in the pure function
and its SQL twin. Before and after must be equal exactly; during only ever adds, and adds
exactly the override's rights for its empowered principals on the cameras in its scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tests.fixtures_identity import World
from vms.access import GrantRule, camera_clause, decide
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import EMERGENCY_PERMISSIONS, Permission, Role
from vms.db.models.registry import Camera
from vms.emergency.override import Override

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
AGENCIES = ("muni", "police", "police2", "cc", "gov")
Key = tuple[str, str, str, str]


def _principals(world: World) -> dict[tuple[str, str], Principal]:
    a = world.agencies
    grants = (
        GrantRule(1, None, a["cc"], "live"),  # the provincial agreement
        GrantRule(2, a["muni"], a["police"], "live", tag="beach"),
    )
    out = {}
    for i, role in enumerate(Role):
        for j, agency in enumerate(AGENCIES):
            mine = tuple(g for g in grants if g.grantee_agency_id == a[agency])
            out[(role.value, agency)] = Principal(
                100 * i + j, f"{role}.{agency}", "", a[agency], role, permissions_for(role),
                grants=mine,
            )  # fmt: skip
    return out


def _cameras(session: Session) -> list[Camera]:
    return list(session.scalars(select(Camera).options(selectinload(Camera.tag_rows))))


def matrix(world: World, session: Session, now: datetime, em: Override | None) -> dict[Key, bool]:
    """Every (role, agency, camera, permission) answer; the SQL twin must give the same."""
    names = {v: k for k, v in world.cameras.items()}
    cams = _cameras(session)
    out: dict[Key, bool] = {}
    for (role, agency), p in _principals(world).items():
        for perm in Permission:
            sql = set(
                session.scalars(select(Camera.id).where(camera_clause(p, perm, now, emergency=em)))
            )
            for cam in cams:
                allowed = bool(decide(p, perm, cam, now, emergency=em))
                assert allowed == (cam.id in sql), (role, agency, perm, cam.id)
                out[(role, agency, names[cam.id], perm.value)] = allowed
    return out


@pytest.mark.parametrize("include_cc", [False, True])
@pytest.mark.parametrize("scope", ["all", "police"])
def test_matrix_before_during_after(world: World, include_cc: bool, scope: str) -> None:
    a = world.agencies
    em = Override(
        7,
        "active",
        T0,
        T1,
        scope_all=scope == "all",
        agency_ids=frozenset() if scope == "all" else frozenset({a["police"]}),
        include_command_center=include_cc,
        command_center_agency_ids=frozenset({a["cc"]}),
    )
    with world.services.db.session() as s:
        before = matrix(world, s, T0 - timedelta(seconds=1), em)
        during = matrix(world, s, T0 + timedelta(minutes=1), em)
        after = matrix(world, s, T1, em)  # expiry is exactly at ends_at, by time
        ended = matrix(world, s, T1, None)  # ended by hand: no override at all
        never = matrix(world, s, T0 - timedelta(seconds=1), None)
    assert before == after == ended == never
    assert all(during[k] for k, v in before.items() if v)  # during only adds
    added = {k for k in during if during[k] and not before[k]}
    in_scope = {"police1"} if scope == "police" else {"muni1", "muni2", "police1"}
    empowered = {("governor", ag) for ag in AGENCIES}
    if include_cc:
        empowered |= {("supervisor", "cc"), ("operator", "cc")}
    possible = {
        (r, ag, cam, perm.value)
        for (r, ag) in empowered
        for cam in in_scope
        for perm in EMERGENCY_PERMISSIONS
    }
    assert added <= possible
    assert added == {k for k in possible if not before[k]}
    # the governor's office sees an unshared camera of another agency only during
    key = ("governor", "gov", "police1", "view_live")
    assert (before[key], during[key], after[key]) == (False, True, False)
    assert during[("governor", "gov", "police1", "control")]
    assert during[("governor", "gov", "police1", "export")]
    # never a management right, and nobody else gains anything
    assert not any(k[3] == "manage_cameras" for k in added)
    assert not any(k[0] in ("desk_officer", "agency_admin") for k in added)


def test_pending_declaration_grants_nothing(world: World) -> None:
    pending = Override(8, "pending_confirmation", None, None, scope_all=True)
    with world.services.db.session() as s:
        assert matrix(world, s, T0, pending) == matrix(world, s, T0, None)


def test_decision_names_the_override_only_when_it_alone_allowed() -> None:
    em = Override(9, "active", T0, T1, scope_all=True)
    gov = Principal(1, "g", "G", 5, Role.GOVERNOR, permissions_for(Role.GOVERNOR))

    class Cam:
        id, agency_id, tags = 1, 5, ()

    class Foreign:
        id, agency_id, tags = 2, 6, ()

    now = T0 + timedelta(seconds=1)
    assert decide(gov, Permission.VIEW_LIVE, Cam(), now, emergency=em).emergency_id is None
    d = decide(gov, Permission.CONTROL, Foreign(), now, emergency=em)
    assert d and d.emergency_id == 9 and d.reason == "emergency override"
    scoped = gov.__class__(1, "g", "G", 5, Role.GOVERNOR, frozenset({Permission.VIEW_LIVE}))
    assert not decide(scoped, Permission.CONTROL, Foreign(), now, emergency=em)
