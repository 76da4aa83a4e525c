"""The password pool: bounded threads, a queue cap answered before any hashing is done."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vms.auth.hash_pool import HashPool
from vms.errors import TooManyRequests


async def test_beyond_the_queue_cap_callers_are_told_to_retry_before_hashing() -> None:
    pool = HashPool(workers=1, queue=1, retry_after_s=3)
    gate = threading.Event()
    calls: list[int] = []

    def slow_hash(n: int) -> int:
        calls.append(n)
        gate.wait(30)
        return n

    try:
        running = asyncio.ensure_future(pool.run(slow_hash, 1))
        waiting = asyncio.ensure_future(pool.run(slow_hash, 2))
        while pool.pending < 2:
            await asyncio.sleep(0.01)
        with pytest.raises(TooManyRequests) as refused:
            await pool.run(slow_hash, 3)
        assert refused.value.headers == {"Retry-After": "3"}
        assert 3 not in calls and pool.refused == 1  # refused before it was hashed
        gate.set()
        assert await asyncio.gather(running, waiting) == [1, 2]
        assert pool.pending == 0
        assert await pool.run(slow_hash, 4) == 4  # room again
    finally:
        gate.set()
        pool.close()


def test_worker_threads_hash_through_the_same_cap() -> None:
    pool = HashPool(workers=1, queue=0)
    gate = threading.Event()
    result: list[int] = []
    try:
        t = threading.Thread(target=lambda: result.append(pool.call(gate.wait, 30)))
        t.start()
        while pool.pending < 1:
            threading.Event().wait(0.01)
        with pytest.raises(TooManyRequests):
            pool.call(int, "1")
        gate.set()
        t.join(10)
        assert result == [True]
    finally:
        gate.set()
        pool.close()
