"""Both session stores apply the rule atomically; two OS processes contending for one camera
through the real Redis at 127.0.0.1:6379: exactly one wins."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import AsyncIterator
from multiprocessing.synchronize import Barrier

import pytest
import redis.asyncio as aioredis

from vms.ptz.arbitration import Claim
from vms.ptz.store import ControlStore, MemoryControlStore, RedisControlStore

REDIS_URL = "redis://127.0.0.1:6379/0"


def _claim(user_id: int, priority: int = 5000, *, hold_s: float = 15.0, reserve=False) -> Claim:
    return Claim(user_id, f"u{user_id}", 1, priority, hold_s, reserve)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ControlStore]:
    made: ControlStore = (
        MemoryControlStore()
        if request.param == "memory"
        else RedisControlStore(REDIS_URL, prefix=f"vms-test-ptz-{uuid.uuid4().hex[:8]}:")
    )
    try:
        yield made
    finally:
        await made.close()
        if isinstance(made, RedisControlStore):
            await _drop(made)


async def _drop(store: RedisControlStore) -> None:
    """Sessions stay in Redis until swept: remove what a test left."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        async for key in client.scan_iter(match=f"{store.prefix}*"):
            await client.delete(key)
    finally:
        await client.aclose()


async def test_take_refuse_take_over_release(store: ControlStore) -> None:
    assert (await store.claim(7, _claim(1, 3000))).outcome == "taken"
    refused = await store.claim(7, _claim(2, 3000))
    assert refused.outcome == "refused" and refused.holder.user_id == 1
    over = await store.claim(7, _claim(3, 8000))
    assert over.outcome == "took_over" and over.previous is not None
    assert over.previous.user_id == 1
    held = await store.holder(7)
    assert held is not None and held.user_id == 3
    assert (await store.release(7, 1, 3000)).outcome == "refused"
    assert (await store.release(7, 3, 8000)).outcome == "released"
    assert await store.holder(7) is None
    assert (await store.claim(8, _claim(1))).outcome == "taken"  # cameras are independent


async def test_a_session_expires_after_its_hold(store: ControlStore) -> None:
    await store.claim(9, _claim(1, 20000, hold_s=0.3))
    assert (await store.claim(9, _claim(2, 3000))).outcome == "refused"
    await asyncio.sleep(0.4)
    assert await store.holder(9) is None
    assert (await store.claim(9, _claim(2, 3000))).outcome == "taken"


async def test_a_reservation_holds_against_higher_and_is_cleared_by_higher(
    store: ControlStore,
) -> None:
    await store.claim(4, _claim(1, 5000, hold_s=3600, reserve=True))
    assert (await store.claim(4, _claim(2, 20000))).outcome == "refused"
    assert (await store.release(4, 3, 4000)).outcome == "refused"
    assert (await store.release(4, 2, 20000)).outcome == "cleared"
    assert (await store.claim(4, _claim(3, 4000))).outcome == "taken"


async def test_concurrent_claims_in_one_process_have_one_winner(store: ControlStore) -> None:
    results = await asyncio.gather(*(store.claim(5, _claim(u, 5000)) for u in range(1, 11)))
    assert sorted(r.outcome for r in results).count("taken") == 1
    assert all(r.outcome in ("taken", "refused") for r in results)


def _contend(prefix: str, user_id: int, barrier: Barrier, out: multiprocessing.Queue) -> None:
    async def run() -> str:
        store = RedisControlStore(REDIS_URL, prefix=prefix)
        try:
            await store.holder(1)  # connected before the start line
            barrier.wait(10)
            return (await store.claim(1, _claim(user_id, 5000))).outcome
        finally:
            await store.close()

    out.put((user_id, asyncio.run(run())))


@pytest.mark.redis
@pytest.mark.parametrize("round_", range(5))
def test_two_processes_contending_through_redis_exactly_one_wins(round_: int) -> None:
    prefix = f"vms-test-ptz-mp-{uuid.uuid4().hex[:8]}:"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    out: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_contend, args=(prefix, u, barrier, out)) for u in (1, 2)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=30) for _ in procs)
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    assert sorted(results.values()) == ["refused", "taken"], results
    winner = next(u for u, outcome in results.items() if outcome == "taken")

    async def holder() -> int | None:
        store = RedisControlStore(REDIS_URL, prefix=prefix)
        try:
            held = await store.holder(1, time.time())
            return None if held is None else held.user_id
        finally:
            await store.close()

    assert asyncio.run(holder()) == winner


def test_the_site_state_backend_chooses_the_store() -> None:
    from vms.config import load_settings
    from vms.services import Services

    assert isinstance(Services(load_settings(None)).ptz.store, MemoryControlStore)
    redis = Services(load_settings(None, state={"backend": "redis", "redis_url": REDIS_URL}))
    assert isinstance(redis.ptz.store, RedisControlStore)


async def test_sessions_list_the_live_ones_and_revoke_ends_only_what_it_picks(
    store: ControlStore,
) -> None:
    await store.claim(11, _claim(1))
    await store.claim(12, Claim(2, "u2", 1, 30000, 15.0, emergency_id=5))
    await store.claim(13, _claim(3, hold_s=0.05))
    await asyncio.sleep(0.1)  # camera 13's session lapses
    held = await store.sessions()
    assert sorted(held) == [11, 12] and held[12].emergency_id == 5
    kept = await store.revoke(11, lambda h: h.emergency_id == 5)
    assert kept.outcome == "none" and (await store.holder(11)) is not None
    ended = await store.revoke(12, lambda h: h.emergency_id == 5)
    assert ended.outcome == "cleared" and ended.previous is not None
    assert ended.previous.user_id == 2 and await store.holder(12) is None
    assert (await store.revoke(14, lambda h: True)).outcome == "none"  # nobody held it


async def test_a_run_out_session_is_handed_out_once_and_an_ended_one_never(
    store: ControlStore,
) -> None:
    await store.claim(21, _claim(1, hold_s=0.05))  # runs out
    await store.claim(22, _claim(2))  # still held
    await store.claim(23, _claim(3, hold_s=0.05))
    await store.release(23, 3, 5000)  # ended before its time: its release is audited already
    await store.claim(24, _claim(4, 3000, hold_s=0.05))
    await store.claim(24, _claim(5, 9000))  # taken over: audited as the take-over
    await store.claim(25, _claim(6, hold_s=0.05))
    await asyncio.sleep(0.1)
    await store.claim(25, _claim(7))  # ran out, then someone took the free camera
    lapsed = await store.lapsed()
    assert [(cam, h.user_id) for cam, h in sorted(lapsed)] == [(21, 1), (25, 6)]
    assert await store.lapsed() == []
    held = await store.holder(25)
    assert held is not None and held.user_id == 7
    assert sorted(await store.sessions()) == [22, 24, 25]


@pytest.mark.redis
async def test_two_stores_sweeping_one_site_hand_each_lapse_to_one() -> None:
    prefix = f"vms-test-ptz-{uuid.uuid4().hex[:8]}:"
    stores = [RedisControlStore(REDIS_URL, prefix=prefix) for _ in range(2)]
    try:
        for cam in range(30, 50):
            await stores[cam % 2].claim(cam, _claim(cam, hold_s=0.05))
        await asyncio.sleep(0.1)
        got = await asyncio.gather(*(s.lapsed() for s in stores for _ in range(3)))
        cams = sorted(cam for batch in got for cam, _ in batch)
        assert cams == list(range(30, 50))
    finally:
        for s in stores:
            await s.close()
        await _drop(stores[0])


@pytest.mark.redis
async def test_a_due_entry_older_than_its_session_is_put_back_not_handed_out() -> None:
    store = RedisControlStore(REDIS_URL, prefix=f"vms-test-ptz-{uuid.uuid4().hex[:8]}:")
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        taken = await store.claim(60, _claim(1))
        await client.zadd(store.prefix + "due", {"60": 0})  # as a clock far ahead would see it
        assert await store.lapsed() == []
        assert (await store.holder(60)) == taken.holder
        assert await client.zscore(store.prefix + "due", "60") == taken.holder.until
    finally:
        await client.aclose()
        await store.close()
        await _drop(store)
