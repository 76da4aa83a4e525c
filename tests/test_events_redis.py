"""Events over the real Redis at 127.0.0.1:6379 (and over a redis-server of the test's own,
which it restarts): two buses stand for two server processes."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.site.cluster import RedisServer
from vms.events import EventSubscription
from vms.events_redis import READER_NAME, RedisEventBus

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.redis


async def test_event_published_by_one_process_reaches_the_other() -> None:
    prefix = f"vms-test-{uuid.uuid4().hex[:8]}:"
    a, b = RedisEventBus(REDIS_URL, prefix=prefix), RedisEventBus(REDIS_URL, prefix=prefix)
    await a.start()
    await b.start()
    try:
        on_b = b.subscribe("camera.")
        on_a = a.subscribe("camera.")
        a.publish("camera.state", {"camera_id": 3, "state": "offline"})
        a.publish("grant.revoked", {"grant_id": 9})
        got_b = await on_b.get(5.0)
        got_a = await on_a.get(5.0)
        assert got_b is not None and got_b.data == {"camera_id": 3, "state": "offline"}
        assert got_a is not None and got_a.topic == "camera.state"
        assert await on_b.get(0.2) is None  # the grant event is filtered out
    finally:
        await a.stop()
        await b.stop()


async def test_sites_with_other_prefixes_do_not_hear_each_other() -> None:
    a = RedisEventBus(REDIS_URL, prefix=f"vms-a-{uuid.uuid4().hex[:8]}:")
    b = RedisEventBus(REDIS_URL, prefix=f"vms-b-{uuid.uuid4().hex[:8]}:")
    await a.start()
    await b.start()
    try:
        sub = b.subscribe()
        a.publish("camera.state", {"camera_id": 1})
        assert await sub.get(0.5) is None
    finally:
        await a.stop()
        await b.stop()


async def test_malformed_message_is_ignored_not_fatal(raw: aioredis.Redis) -> None:
    prefix = f"vms-m-{uuid.uuid4().hex[:8]}:"
    bus = RedisEventBus(REDIS_URL, prefix=prefix)
    await bus.start()
    try:
        sub = bus.subscribe()
        await raw.xadd(bus.stream, {"e": b"not json"})
        await raw.xadd(bus.stream, {"other": b"{}"})
        bus.publish("x.ok", {"n": 1})
        event = await sub.get(5.0)
        assert event is not None and event.topic == "x.ok"
    finally:
        await bus.stop()


async def _all(sub: EventSubscription, n: int, wait_s: float = 10.0) -> list[int]:
    got: list[int] = []
    while len(got) < n:
        event = await sub.get(wait_s)
        assert event is not None, f"only {len(got)} of {n} events arrived: {got}"
        got.append(int(event.data["n"]))
    return got


async def _cut_off(raw: aioredis.Redis, bus: RedisEventBus) -> int:
    """Drop `bus`'s reader connection, as a network blip would; how many were dropped."""
    killed = 0
    for client in await raw.client_list():
        if client["name"] == READER_NAME + bus.group:
            killed += int(await raw.client_kill_filter(_id=client["id"]))
    return killed


@pytest.fixture
async def raw() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def pair() -> AsyncIterator[tuple[RedisEventBus, RedisEventBus]]:
    prefix = f"vms-s-{uuid.uuid4().hex[:8]}:"
    a, b = RedisEventBus(REDIS_URL, prefix=prefix), RedisEventBus(REDIS_URL, prefix=prefix)
    await a.start()
    await b.start()
    yield a, b
    await a.stop()
    await b.stop()


async def test_events_sent_while_a_reader_was_cut_off_arrive_in_order(
    pair: tuple[RedisEventBus, RedisEventBus], raw: aioredis.Redis
) -> None:
    """Pub/sub loses what is published while a listener reconnects; the stream does not."""
    a, b = pair
    sub = b.subscribe("n.")
    assert await _cut_off(raw, b) == 1
    for n in range(50):
        a.publish("n.x", {"n": n})
    assert await _all(sub, 50) == list(range(50))
    assert await sub.get(0.3) is None  # none twice


async def test_an_entry_handed_over_but_not_acknowledged_is_read_again_once(
    pair: tuple[RedisEventBus, RedisEventBus], raw: aioredis.Redis
) -> None:
    a, b = pair
    sub = b.subscribe("n.")
    a.publish("n.x", {"n": 1})
    assert await _all(sub, 1) == [1]
    # an entry Redis handed to b's group that b never saw: as if the reply was cut off
    await _cut_off(raw, b)
    await raw.xadd(a.stream, {"e": b'{"topic": "n.x", "data": {"n": 2}, "at": 0}'})
    await raw.xreadgroup(b.group, b.group, {b.stream: ">"}, count=10)
    a.publish("n.x", {"n": 3})
    assert await _all(sub, 2) == [2, 3]
    assert await sub.get(0.3) is None


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_a_redis_restarted_empty_loses_nothing_published_after_it(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    a, b = RedisEventBus(server.url, prefix="r:"), RedisEventBus(server.url, prefix="r:")
    await a.start()
    await b.start()
    try:
        sub = b.subscribe("n.")
        a.publish("n.x", {"n": 0})
        assert await _all(sub, 1) == [0]
        server.stop()
        for n in range(1, 21):  # while Redis is away: they wait in a's outbox
            a.publish("n.x", {"n": n})
        await asyncio.sleep(0.5)
        server.start()  # empty: no stream, no groups
        for n in range(21, 41):
            a.publish("n.x", {"n": n})
        assert await _all(sub, 40, wait_s=30) == list(range(1, 41))
    finally:
        await a.stop()
        await b.stop()
        server.stop()


async def test_a_dead_processs_group_is_removed_by_the_next_to_start(
    raw: aioredis.Redis,
) -> None:
    """A group whose reader is not connected goes (kill -9 left it); a live one stays."""
    prefix = f"vms-g-{uuid.uuid4().hex[:8]}:"
    stream = prefix + "stream"
    live = aioredis.Redis.from_url(REDIS_URL, client_name=READER_NAME + "live-node")
    bus = RedisEventBus(REDIS_URL, prefix=prefix)
    try:
        await live.ping()
        for name in ("dead-node", "live-node"):
            await raw.xgroup_create(stream, name, id="$", mkstream=True)
        await bus.start()
        names = {g["name"] for g in await raw.xinfo_groups(stream)}
        assert names == {b"live-node", bus.group.encode()}
    finally:
        await bus.stop()  # leaving, it takes its own group with it
        left = {g["name"] for g in await raw.xinfo_groups(stream)}
        await raw.delete(stream)
        await live.aclose()
    assert left == {b"live-node"}
