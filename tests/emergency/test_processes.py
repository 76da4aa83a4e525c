"""Two processes of one site (real PostgreSQL and Redis): a change made by one reaches the
other's cached override through the event bus within a second, and a freshly started process
(a restart after kill -9) reads the persisted declaration; expiry needs no process at all."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from vms.audit import AuditTrail
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency
from vms.emergency.config import EmergencyConfig
from vms.emergency.service import DeclarationSpec, EmergencyService
from vms.events_redis import RedisEventBus

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def site(postgres_url: str) -> Iterator[tuple[str, Principal]]:
    engine = create_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    db = Database(postgres_url)
    with db.session() as s:
        gov = Agency(code="PKT-GOV", kind="governor_office", name_en="Governor")
        s.add(gov)
        s.flush()
        user = create_user(
            s, UserSpec("gov", "correct-horse-battery", gov.id, Role.GOVERNOR, "G"), None
        )
        principal = Principal(
            user.id, "gov", "G", gov.id, Role.GOVERNOR, permissions_for(Role.GOVERNOR)
        )
    db.dispose()
    yield postgres_url, principal


def _process(url: str, prefix: str) -> tuple[EmergencyService, RedisEventBus, Database]:
    db = Database(url)
    bus = RedisEventBus(REDIS_URL, prefix=prefix)
    # a long cache: only the event can make the other process see the change this soon
    service = EmergencyService(EmergencyConfig(), db, AuditTrail(db), bus, cache_s=60)
    return service, bus, db


async def _until(check: object, timeout: float) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout, "not seen in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_change_reaches_the_other_process_within_a_second(
    site: tuple[str, Principal],
) -> None:
    url, gov = site
    prefix = f"vms-em-{uuid.uuid4().hex[:8]}:"
    a, bus_a, db_a = _process(url, prefix)
    b, bus_b, db_b = _process(url, prefix)
    for bus, svc in ((bus_a, a), (bus_b, b)):
        await bus.start()
        await svc.start()
    try:
        assert b.override() is None  # cached as "none" for 60 s unless told
        spec = DeclarationSpec("natural_disaster", "flood", 600)
        with db_a.session() as s:
            row = a.declare(s, gov, spec, datetime.now(UTC))
        a.announce(row, "declare")
        took = await _until(lambda: b.override() is not None, 1.0)
        assert took < 1.0
        seen = b.override()
        assert seen is not None and seen.id == row.id and seen.in_force(datetime.now(UTC))
        # a process started now (a restart after kill -9) reads it from the database
        c, _bus_c, db_c = _process(url, prefix)
        restarted = c.override()
        assert restarted is not None and restarted.id == row.id
        # expiry is by time: at ends_at it no longer grants, whoever asks, no timer involved
        assert restarted.ends_at is not None
        assert not restarted.in_force(restarted.ends_at)
        assert restarted.in_force(restarted.ends_at - timedelta(seconds=1))
        db_c.dispose()
        with db_a.session() as s:
            ended = a.end(s, gov, datetime.now(UTC))
        a.announce(ended, "end")
        await _until(lambda: b.override() is None, 1.0)
    finally:
        for bus, svc, db in ((bus_a, a, db_a), (bus_b, b, db_b)):
            await svc.stop()
            await bus.stop()
            db.dispose()
