"""Camera leases on the real Redis: one holder, fencing tokens that only grow, a renewal that
fails once another holds the lease, and reclaim after Redis forgot everything."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from vms.site.leases import LeaseStore, parse_owner

pytestmark = pytest.mark.redis


async def test_one_holder_and_growing_tokens(client: tuple[aioredis.Redis, str]) -> None:
    c, prefix = client
    a = LeaseStore(c, prefix, "node-a", 1000)
    b = LeaseStore(c, prefix, "node-b", 1000)
    got_a = await a.acquire([1, 2])
    assert set(got_a) == {1, 2}
    assert await b.acquire([1, 2, 3]) == {3: got_a[2] + 1}  # only the free one
    owners = await b.owners([1, 2, 3, 4])
    assert owners == {1: ("node-a", got_a[1]), 2: ("node-a", got_a[2]), 3: ("node-b", got_a[2] + 1)}
    assert await a.renew(got_a) == got_a
    # B cannot renew (or release) what A holds, even naming A's token under its own name
    assert await b.renew({1: got_a[1]}) == {}
    assert await b.release({1: got_a[1]}) == 0
    assert (await a.owners([1]))[1][0] == "node-a"


async def test_a_paused_holder_is_fenced_off(client: tuple[aioredis.Redis, str]) -> None:
    c, prefix = client
    a = LeaseStore(c, prefix, "node-a", 1000)
    b = LeaseStore(c, prefix, "node-b", 1000)
    held = await a.acquire([5])
    await asyncio.sleep(1.2)  # A "paused" past its lease; B takes the camera
    taken = await b.acquire([5])
    assert taken[5] > held[5]
    assert await a.renew(held) == {}  # A learns it lost it; it must stop pulling
    assert (await a.owners([5]))[5] == ("node-b", taken[5])


async def test_renewal_reclaims_after_redis_forgot(client: tuple[aioredis.Redis, str]) -> None:
    c, prefix = client
    a = LeaseStore(c, prefix, "node-a", 5000)
    held = await a.acquire([7, 8])
    keys = [k async for k in c.scan_iter(match=prefix + "*")]
    await c.delete(*keys)  # what a restarted, empty Redis looks like
    again = await a.renew(held)
    assert set(again) == {7, 8}
    assert min(again.values()) > max(held.values())  # never below a token already handed out
    assert a.ops == 2 and a.keys == 4


def test_parse_owner() -> None:
    assert parse_owner(b"127.0.0.1:8080|42") == ("127.0.0.1:8080", 42)
    assert parse_owner("x|y") is None and parse_owner(None) is None and parse_owner("x") is None
