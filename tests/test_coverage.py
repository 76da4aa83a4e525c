"""Duty coverage over the real server: heartbeats count officers on watch per station, a short
station raises coverage.below after the grace period, history counts minutes per day."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures_identity import World, build_world
from vms.coverage import CoverageMonitor
from vms.db.models.identity import CoverageMinute
from vms.db.models.registry import Agency  # noqa: F401  (tables registered)
from vms.events import InProcessEventBus


@pytest.fixture
def cov_world(db_url: str) -> Iterator[World]:
    yield from build_world(db_url, coverage={"grace_s": 0, "check_interval_s": 3600})


def _stations(world: World) -> dict[str, dict[str, object]]:
    sup = world.client_as("supervisor", "cc")
    r = sup.get("/api/v1/coverage")
    assert r.status_code == 200, r.text
    return {s["code"]: s for s in r.json()}


def test_heartbeats_count_officers_per_station(cov_world: World) -> None:
    w = cov_world
    for n in ("1", "2"):
        officer = w.browser_as("desk_officer", "police", suffix=n)
        r = officer.post("/api/v1/coverage/heartbeat", headers={"Origin": w.origin})
        assert r.status_code == 204, r.text
    w.client_as("desk_officer", "police2").post("/api/v1/coverage/heartbeat")
    stations = _stations(w)
    assert set(stations) == {"PKT-POL1", "PKT-POL2"}  # only police stations are watched
    assert stations["PKT-POL1"]["on_watch"] == 2 and stations["PKT-POL1"]["below"] is False
    assert stations["PKT-POL2"]["on_watch"] == 1 and stations["PKT-POL2"]["below"] is True
    # a desk officer sees only their own station; the governor's office cannot keep watch
    mine = w.client_as("desk_officer", "police2").get("/api/v1/coverage").json()
    assert [s["code"] for s in mine] == ["PKT-POL2"]
    gov = w.client_as("governor", "gov")
    assert gov.post("/api/v1/coverage/heartbeat").status_code == 403


def test_below_event_after_grace_and_per_agency_requirement(cov_world: World) -> None:
    w = cov_world
    w.client_as("desk_officer", "police").post("/api/v1/coverage/heartbeat")
    events = w.services.events
    assert isinstance(events, InProcessEventBus)
    sub = events.subscribe("coverage.")
    try:
        monitor = w.services.identity.coverage
        monitor.evaluate(datetime.now(UTC))
        deadline = time.monotonic() + 10
        while len(sub._queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        below = sorted(e.data["code"] for e in sub._queue if e.topic == "coverage.below")
        assert below == ["PKT-POL1", "PKT-POL2"]
        sub._queue.clear()
        # PKT-POL1 needs only one officer from now on: it recovers
        admin = w.client_as("agency_admin", "police")
        r = admin.put(f"/api/v1/coverage/requirements/{w.agencies['police']}", json={"required": 1})
        assert r.status_code == 204
        # another agency's requirement is out of reach (looks missing)
        r = admin.put(
            f"/api/v1/coverage/requirements/{w.agencies['police2']}", json={"required": 0}
        )
        assert r.status_code == 404
        monitor.evaluate(datetime.now(UTC))
        deadline = time.monotonic() + 10
        while not sub._queue and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [(e.topic, e.data["code"]) for e in sub._queue] == [
            ("coverage.restored", "PKT-POL1")
        ]
    finally:
        sub.close()


def test_history_counts_minutes_covered_and_below(cov_world: World) -> None:
    w = cov_world
    tz = ZoneInfo(w.services.settings.auth.timezone)
    day = (datetime.now(tz) - timedelta(days=1)).date()
    ten = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz).astimezone(UTC)
    w.user("desk_officer", "police", "1")
    w.user("desk_officer", "police", "2")
    with w.services.db.session() as s:
        from sqlalchemy import select

        from vms.db.models.identity import User

        ids = list(s.scalars(select(User.id).where(User.agency_id == w.agencies["police"])))
        for m in range(5):
            for uid in ids[: 2 if m < 4 else 1]:
                minute = ten + timedelta(minutes=m)
                s.add(
                    CoverageMinute(
                        agency_id=w.agencies["police"], minute=minute, user_id=uid, last_seen=minute
                    )
                )
    sup = w.client_as("supervisor", "cc")
    r = sup.get("/api/v1/coverage/history", params={"day": day.isoformat()})
    assert r.status_code == 200, r.text
    rows = {row["code"]: row for row in r.json()}
    assert rows["PKT-POL1"]["minutes_covered"] == 4
    assert rows["PKT-POL1"]["minutes_below"] == 1440 - 4
    assert rows["PKT-POL2"]["minutes_covered"] == 0


def test_on_a_site_of_several_nodes_only_the_leader_announces(cov_world: World) -> None:
    """A second node follows the stations as well (it knows what was alerted, for when it
    leads) but publishes nothing: one coverage.below per station for the site."""
    w = cov_world
    w.client_as("desk_officer", "police").post("/api/v1/coverage/heartbeat")
    events = w.services.events
    assert isinstance(events, InProcessEventBus)
    auth = w.services.settings.auth
    follower = CoverageMonitor(auth.coverage, w.services.db, events, auth.timezone)
    follower.announce = lambda: False
    sub = events.subscribe("coverage.")
    try:
        now = datetime.now(UTC)
        follower.evaluate(now)
        time.sleep(0.3)
        assert list(sub._queue) == []
        with w.services.db.session() as session:
            assert all(s.alerted for s in follower.current(session, now))
        w.services.identity.coverage.evaluate(now)  # the leader
        deadline = time.monotonic() + 10
        while len(sub._queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert sorted(e.data["code"] for e in sub._queue) == ["PKT-POL1", "PKT-POL2"]
    finally:
        sub.close()
