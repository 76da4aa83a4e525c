"""The availability alert raises uptime.below once (event and audit record) when an agency's
cameras fall under the threshold, and uptime.restored when they recover."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from vms.audit import AuditTrail
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import AuditRecord
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.events import InProcessEventBus
from vms.uptime.alerts import AvailabilityAlert
from vms.uptime.config import ReportsConfig

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database.engine)
    yield database
    database.dispose()


def _script(db: Database) -> int:
    """One camera of one agency: up, down from minute 30, up again from minute 70."""
    with db.session() as s:
        agency = Agency(code="MUNI", kind="municipality", name_th="เทศบาล")
        s.add(agency)
        s.flush()
        cam = Camera(code="C1", name_th="กล้อง", agency_id=agency.id, main_url="rtsp://127.0.0.1/1")
        s.add(cam)
        s.flush()
        for minutes, state in ((0, "online"), (30, "offline"), (70, "online")):
            s.add(StreamStateChange(camera_id=cam.id, stream="main", state=state,
                                    at=T0 + timedelta(minutes=minutes)))  # fmt: skip
        return agency.id


async def test_two_nodes_announce_once_and_the_next_leader_goes_on(db: Database) -> None:
    """Every node follows the figures, only the site's leader announces: one record per
    change, also when the leader dies between the alert and its end."""
    agency_id = _script(db)
    config = ReportsConfig(availability_alert_pct=80, alert_window_s=3600)
    leader = {"name": "a"}
    events = InProcessEventBus()
    nodes = {
        name: AvailabilityAlert(config, db, AuditTrail(db), events,
                                announce=lambda name=name: leader["name"] == name)
        for name in ("a", "b")
    }  # fmt: skip
    for minutes in (20, 60, 61):
        for node in nodes.values():
            node.evaluate(T0 + timedelta(minutes=minutes))
    leader["name"] = "b"  # a dies; b speaks from now on, and knows the alert was raised
    for minutes in (120, 190):
        nodes["b"].evaluate(T0 + timedelta(minutes=minutes))
    with db.session() as s:
        records = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [(r.action, r.agency_id) for r in records] == [
            ("uptime.below", agency_id),
            ("uptime.restored", agency_id),
        ]


async def test_below_then_restored(db: Database) -> None:
    agency_id = _script(db)
    events = InProcessEventBus()
    await events.start()
    sub = events.subscribe("uptime.")
    config = ReportsConfig(availability_alert_pct=80, alert_window_s=3600)
    alert = AvailabilityAlert(config, db, AuditTrail(db), events)

    assert alert.evaluate(T0 + timedelta(minutes=20)) == []  # 100 % so far
    first = alert.evaluate(T0 + timedelta(minutes=60))  # 30 of the last 60 minutes up
    assert [(e["topic"], e["availability_pct"]) for e in first] == [("uptime.below", 50.0)]
    assert alert.evaluate(T0 + timedelta(minutes=61)) == []  # announced once
    restored = alert.evaluate(T0 + timedelta(minutes=190))
    assert [e["topic"] for e in restored] == ["uptime.restored"]

    got = [await sub.get(wait_s=1), await sub.get(wait_s=1)]
    assert [(e.topic, e.data["agency_id"]) for e in got if e] == [
        ("uptime.below", agency_id),
        ("uptime.restored", agency_id),
    ]
    with db.session() as s:
        records = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [(r.action, r.agency_id) for r in records] == [
            ("uptime.below", agency_id),
            ("uptime.restored", agency_id),
        ]
    await events.stop()
