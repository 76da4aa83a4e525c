"""Events over the real Redis at 127.0.0.1:6379: two buses stand for two server processes."""

from __future__ import annotations

import uuid

import pytest

from vms.events_redis import RedisEventBus

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


async def test_malformed_message_is_ignored_not_fatal() -> None:
    import redis.asyncio as aioredis

    prefix = f"vms-m-{uuid.uuid4().hex[:8]}:"
    bus = RedisEventBus(REDIS_URL, prefix=prefix)
    await bus.start()
    raw = aioredis.Redis.from_url(REDIS_URL)
    try:
        sub = bus.subscribe()
        await raw.publish(prefix + "x", b"not json")
        bus.publish("x.ok", {"n": 1})
        event = await sub.get(5.0)
        assert event is not None and event.topic == "x.ok"
    finally:
        await raw.aclose()
        await bus.stop()
