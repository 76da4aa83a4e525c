"""The data-request decision (vms.access.decide_data_request) and its SQL twin agree, for every
role, agency, rule and action; nobody decides their own request; only the requester downloads."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import create_engine, select

from vms.access import (
    EvidencePolicy,
    RequestAction,
    approval_capacities,
    data_request_clause,
    decide_data_request,
    decide_footage_request,
    releasable_agencies,
)
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import Role
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.evidence import DataRequest, DataRequestCamera
from vms.db.models.identity import User
from vms.db.models.registry import Agency, Camera
from vms.emergency.override import Override

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _principal(user_id: int, agency_id: int, role: Role) -> Principal:
    return Principal(user_id, f"u{user_id}", "", agency_id, role, permissions_for(role))


def test_decision_and_clause_agree(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    db = Database(sqlite_url)
    with db.session() as s:
        agencies = [Agency(code=f"A{i}", kind="municipality", name_en=f"A{i}") for i in range(3)]
        s.add_all(agencies)
        s.flush()
        a = [ag.id for ag in agencies]
        users = [User(username="r0", agency_id=a[0], role="desk_officer", password_hash="x")]
        s.add_all(users)
        cams = [Camera(code=f"C{i}", name_en="c", agency_id=i, main_url="rtsp://x") for i in a]
        s.add_all(cams)
        s.flush()
        owner = {c.id: c.agency_id for c in cams}
        start, end = NOW.replace(hour=7), NOW
        shapes = [[cams[0].id], [cams[1].id], [cams[0].id, cams[1].id], [cams[2].id]]
        for shape in shapes:
            s.add(
                DataRequest(
                    requester_id=users[0].id,
                    requester_agency_id=a[0],
                    stream="main",
                    start=start,
                    end=end,
                    case_number="c",
                    legal_basis="l",
                    reason="r",
                    approver="owning_agency",
                    cameras=[DataRequestCamera(camera_id=c, agency_id=owner[c]) for c in shape],
                )
            )
        s.flush()
        rows = s.scalars(select(DataRequest)).all()
        principals = [
            _principal(uid, agency, role)
            for uid, agency, role in itertools.product(
                (users[0].id, 9999), a, (Role.DESK_OFFICER, Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN)
            )
        ]
        for approver, wg in itertools.product(("owning_agency", "working_group"), (None, a[2])):
            policy = EvidencePolicy(approver, wg)  # type: ignore[arg-type]
            for p in principals:
                by_sql = set(
                    s.scalars(select(DataRequest.id).where(data_request_clause(p, policy)))
                )
                by_rule = {
                    r.id for r in rows if decide_data_request(p, RequestAction.VIEW, r, policy)
                }
                assert by_sql == by_rule, (p, policy)
                for r in rows:
                    own = r.requester_id == p.user_id
                    assert bool(decide_data_request(p, RequestAction.DOWNLOAD, r, policy)) == own
                    if own:
                        assert not decide_data_request(p, RequestAction.DECIDE, r, policy)
                        assert approval_capacities(p, r, policy) == []
    db.dispose()


def test_capacities_by_rule() -> None:
    class Req:
        requester_id = 1
        camera_agency_ids = frozenset({10, 20})

    owning = EvidencePolicy("owning_agency", 30)
    wg = EvidencePolicy("working_group", 30)
    admin10 = _principal(2, 10, Role.AGENCY_ADMIN)
    desk10 = _principal(3, 10, Role.DESK_OFFICER)
    admin30 = _principal(4, 30, Role.AGENCY_ADMIN)
    sysadmin = _principal(5, 99, Role.SYSTEM_ADMIN)
    assert approval_capacities(admin10, Req(), owning) == ["agency:10"]
    assert approval_capacities(desk10, Req(), owning) == []
    assert approval_capacities(admin30, Req(), owning) == []  # sees it (working group) only
    assert decide_data_request(admin30, RequestAction.VIEW, Req(), owning)
    assert approval_capacities(sysadmin, Req(), owning) == ["agency:10", "agency:20"]
    assert approval_capacities(admin10, Req(), wg) == []
    assert approval_capacities(admin30, Req(), wg) == ["working_group"]
    assert approval_capacities(sysadmin, Req(), wg) == ["working_group"]


def test_release_follows_the_approval_rule_agency_by_agency() -> None:
    class Req:
        requester_id = 1
        camera_agency_ids = frozenset({10, 20})

    owning = EvidencePolicy("owning_agency", 30)
    wg = EvidencePolicy("working_group", 30)
    requester = _principal(1, 10, Role.AGENCY_ADMIN)  # an administrator, but it is theirs
    admin10 = _principal(2, 10, Role.AGENCY_ADMIN)
    desk10 = _principal(3, 10, Role.DESK_OFFICER)
    admin30 = _principal(4, 30, Role.AGENCY_ADMIN)
    sysadmin = _principal(5, 99, Role.SYSTEM_ADMIN)
    assert releasable_agencies(requester, Req(), owning) == frozenset()
    assert releasable_agencies(admin10, Req(), owning) == {10}
    assert releasable_agencies(desk10, Req(), owning) == frozenset()
    assert releasable_agencies(admin30, Req(), owning) == frozenset()
    assert releasable_agencies(sysadmin, Req(), owning) == {10, 20}
    assert releasable_agencies(admin10, Req(), wg) == frozenset()
    assert releasable_agencies(admin30, Req(), wg) == {10, 20}
    for who in (requester, admin10, desk10, admin30, sysadmin):
        for policy in (owning, wg):
            assert bool(decide_data_request(who, RequestAction.RELEASE, Req(), policy)) == bool(
                decide_data_request(who, RequestAction.DECIDE, Req(), policy)
            )


def test_footage_request_needs_recordings_and_export() -> None:
    class Cam:
        id = 7
        agency_id = 10
        tags: tuple[str, ...] = ()

    desk = _principal(1, 10, Role.DESK_OFFICER)
    operator = _principal(2, 10, Role.OPERATOR)
    governor = _principal(3, 40, Role.GOVERNOR)
    foreign = _principal(4, 20, Role.DESK_OFFICER)
    assert decide_footage_request(desk, Cam(), NOW)
    assert not decide_footage_request(operator, Cam(), NOW)  # no export permission
    assert not decide_footage_request(foreign, Cam(), NOW)
    assert not decide_footage_request(governor, Cam(), NOW)
    emergency = Override(1, "active", NOW.replace(hour=7), NOW.replace(hour=9), scope_all=True)
    by_override = decide_footage_request(governor, Cam(), NOW, emergency=emergency)
    assert by_override and by_override.emergency_id == 1
    assert decide_footage_request(desk, Cam(), NOW, emergency=emergency).emergency_id is None
