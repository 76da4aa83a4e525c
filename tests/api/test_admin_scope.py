"""What the administration page shows an agency administrator comes from these API answers:
only their agency's users, audit records and uptime alerts (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.fixtures_identity import World
from vms.db.models.stream_states import StreamStateChange
from vms.uptime.alerts import AvailabilityAlert
from vms.uptime.config import ReportsConfig


def test_users_and_audit_of_another_agency_are_not_shown(world: World) -> None:
    police_desk = world.user("desk_officer", "police")
    world.browser_as("desk_officer", "police")  # a sign-in of the police station: audited
    admin = world.client_as("agency_admin", "muni")
    world.user("operator", "muni")
    users = admin.get("/api/v1/users").json()
    assert {u["agency_id"] for u in users} == {world.agencies["muni"]}
    assert police_desk not in {u["username"] for u in users}

    records = admin.get("/api/v1/audit", params={"limit": 5000}).json()
    assert records, "the admin's own sign-in at least"
    mine = world.agencies["muni"]
    assert all(mine in (r["agency_id"], r["camera_agency_id"]) for r in records)
    police = admin.get("/api/v1/audit", params={"agency_id": world.agencies["police"]}).json()
    assert police == []
    exported = admin.get("/api/v1/audit/export.csv", params={"action": "auth.sign_in"})
    names = {row["username"] for row in csv.DictReader(io.StringIO(exported.text))}
    assert police_desk not in names and names
    assert admin.get("/api/v1/audit/verify").status_code == 403  # spans every agency


def test_an_uptime_alert_is_read_by_its_agency_only(world: World) -> None:
    now = datetime.now(UTC)
    with world.services.db.session() as s:
        for minutes, state in ((-120, "online"), (-50, "offline")):
            s.add(StreamStateChange(camera_id=world.cameras["police1"], stream="main",
                                    state=state, at=now + timedelta(minutes=minutes)))  # fmt: skip
    services = world.services
    alert = AvailabilityAlert(
        ReportsConfig(availability_alert_pct=90), services.db, services.identity.audit,
        services.events,
    )  # fmt: skip
    raised = alert.evaluate(now)
    assert {e["agency_id"] for e in raised if e["topic"] == "uptime.below"} >= {
        world.agencies["police"]
    }
    police_admin = world.client_as("agency_admin", "police")
    muni_admin = world.client_as("agency_admin", "muni")
    seen = police_admin.get("/api/v1/audit", params={"action": "uptime.below"}).json()
    assert {r["agency_id"] for r in seen} == {world.agencies["police"]}
    assert seen[0]["detail"]["availability_pct"] < 90
    others = muni_admin.get("/api/v1/audit", params={"action": "uptime.below"}).json()
    assert world.agencies["police"] not in {r["agency_id"] for r in others}
