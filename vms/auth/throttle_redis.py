"""The sign-in throttle's counters in Redis, shared by every process serving the site.

Redis unreachable: sign-in answers 503 with Retry-After (never a 500, never unthrottled).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis

from vms.errors import Unavailable

P = ParamSpec("P")
R = TypeVar("R")


def _unavailable_on_error(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except redis.RedisError:
            raise Unavailable(
                "sign-in is unavailable: the shared sign-in state cannot be reached; "
                "try again shortly",
                headers={"Retry-After": "5"},
            ) from None

    return wrapper


PREFIX = "vms:signin:"


class RedisThrottleStore:
    """`ThrottleStore` on Redis: one hash per key (count, last), expiring after its TTL."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, decode_responses=True)
        self._secret: bytes | None = None

    @_unavailable_on_error
    def secret(self) -> bytes:
        if self._secret is None:  # the first process to ask picks it; the rest read it
            name = self.prefix + "name-key"
            self._redis.set(name, secrets.token_hex(32), nx=True)
            self._secret = bytes.fromhex(str(self._redis.get(name)))
        return self._secret

    @_unavailable_on_error
    def get(self, key: str) -> tuple[int, float]:
        values = self._redis.hmget(self.prefix + key, ["count", "last"])
        if values[0] is None:
            return 0, 0.0
        return int(values[0]), float(values[1] or 0.0)

    @_unavailable_on_error
    def add_failure(self, key: str, now: float, ttl_s: float) -> int:
        name = self.prefix + key
        pipe = self._redis.pipeline(transaction=True)
        pipe.hincrby(name, "count", 1)
        pipe.hset(name, "last", repr(now))
        pipe.expire(name, max(1, int(ttl_s)))
        count, _, _ = pipe.execute()
        return int(count)

    @_unavailable_on_error
    def clear(self, key: str) -> None:
        self._redis.delete(self.prefix + key)

    def close(self) -> None:
        self._redis.close()
