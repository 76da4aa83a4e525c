"""The sign-in throttle on both stores (in process, and real Redis shared by two "processes"):
growing delays per (account, address), and who can lock out whom."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from vms.auth.throttle import LoginThrottle, MemoryThrottleStore, ThrottleStore
from vms.auth.throttle_redis import RedisThrottleStore
from vms.config import load_settings
from vms.errors import Unavailable
from vms.services import Services

REDIS_URL = "redis://127.0.0.1:6379/0"
T0 = 1_000_000.0
VICTIM = "governor.pkt"
ATTACKER = "10.9.9.9"


def _throttle(store: ThrottleStore) -> LoginThrottle:
    return LoginThrottle(
        store, free_per_pair=3, free_per_address=10, base_delay_s=2.0, max_delay_s=60.0
    )


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"vms:test-signin:{uuid.uuid4().hex[:8]}:"
    yield prefix
    raw = redis.Redis.from_url(REDIS_URL)
    for key in raw.scan_iter(prefix + "*"):
        raw.delete(key)
    raw.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[ThrottleStore]:
    if request.param == "memory":
        yield MemoryThrottleStore()
        return
    s = RedisThrottleStore(REDIS_URL, prefix=request.getfixturevalue("redis_prefix"))
    yield s
    s.close()


def test_delays_grow_after_the_allowance_and_say_when(store: ThrottleStore) -> None:
    t = _throttle(store)
    waits = [t.failed(VICTIM, ATTACKER, now=T0) for _ in range(6)]
    assert waits == [0, 0, 2, 4, 8, 16]  # three free, then doubling
    refusal = t.check(VICTIM, ATTACKER, now=T0 + 1)
    assert refusal is not None and refusal.scope == "user_address"
    assert refusal.retry_after_s == 15 and refusal.failures == 6
    assert t.check(VICTIM, ATTACKER, now=T0 + 17) is None  # waited long enough: may try again
    for _ in range(20):
        t.failed(VICTIM, ATTACKER, now=T0)
    assert t.check(VICTIM, ATTACKER, now=T0).retry_after_s == 60  # type: ignore[union-attr]


def test_who_can_lock_out_whom(store: ThrottleStore) -> None:
    """Failures slow only the address that made them: wrong passwords for the governor from
    any number of addresses never refuse the governor at an address that has not failed."""
    t = _throttle(store)
    attackers = [f"10.0.0.{i}" for i in range(1, 50)]
    for address in attackers:
        for _ in range(8):
            t.failed(VICTIM, address, now=T0)
    # every attacking address is refused for the victim's account ...
    assert all(t.check(VICTIM, a, now=T0 + 1) is not None for a in attackers)
    # ... but the victim at their own desk is not, nor another user at an attacking address
    assert t.check(VICTIM, "192.168.1.20", now=T0 + 1) is None
    assert t.check("operator.muni", "192.168.1.20", now=T0 + 1) is None
    # one address guessing many accounts is slowed as an address
    for i in range(10):
        t.failed(f"user{i}", "10.7.7.7", now=T0)
    refusal = t.check("someone-else", "10.7.7.7", now=T0 + 1)
    assert refusal is not None and refusal.scope == "address"
    assert t.check("someone-else", "10.7.7.8", now=T0 + 1) is None


def test_the_right_password_clears_only_its_pair(store: ThrottleStore) -> None:
    t = _throttle(store)
    for _ in range(3):
        t.failed(VICTIM, "10.1.1.1", now=T0)
        t.failed(VICTIM, "10.1.1.2", now=T0)
    t.succeeded(VICTIM, "10.1.1.1")
    assert t.failed(VICTIM, "10.1.1.1", now=T0) == 0  # counting again from one
    assert t.failed(VICTIM, "10.1.1.2", now=T0) == 4


def test_names_are_stored_only_as_a_keyed_hash(store: ThrottleStore) -> None:
    t = _throttle(store)
    typed = "MyS3cret-Passw0rd"  # a password typed into the user-name field
    t.failed(typed, ATTACKER, now=T0)
    digest = t.name_digest(typed)
    assert typed.lower() not in digest and len(digest) == 32
    if isinstance(store, RedisThrottleStore):
        raw = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        keys = list(raw.scan_iter(store.prefix + "*"))
        raw.close()
        assert keys and not any(typed.lower() in k for k in keys)


@pytest.mark.redis
def test_two_processes_share_the_counts_through_redis(redis_prefix: str) -> None:
    a_store = RedisThrottleStore(REDIS_URL, prefix=redis_prefix)
    b_store = RedisThrottleStore(REDIS_URL, prefix=redis_prefix)
    a, b = _throttle(a_store), _throttle(b_store)
    try:
        assert a.name_digest(VICTIM) == b.name_digest(VICTIM)  # one key for the name hash
        for throttle in (a, b, a):
            throttle.failed(VICTIM, ATTACKER, now=T0)
        assert b.failed(VICTIM, ATTACKER, now=T0) == 4  # the 4th failure, counted across both
        assert a.check(VICTIM, ATTACKER, now=T0 + 1) is not None
        assert a.check(VICTIM, "192.168.1.20", now=T0 + 1) is None
    finally:
        a_store.close()
        b_store.close()


def test_the_site_picks_the_store_from_its_state_backend(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    shared = Services(load_settings(None, database={"url": url}, state={"backend": "redis"}))
    alone = Services(load_settings(None, database={"url": url}))
    assert isinstance(shared.identity.throttle_store, RedisThrottleStore)
    assert isinstance(alone.identity.throttle_store, MemoryThrottleStore)
    for s in (shared, alone):
        s.identity.hashing.close()
        s.db.dispose()


def test_redis_unreachable_is_503_not_500() -> None:
    store = RedisThrottleStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(Unavailable) as refused:
        _throttle(store).check(VICTIM, ATTACKER)
    assert refused.value.headers == {"Retry-After": "5"}
    store.close()
