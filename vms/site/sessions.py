"""Viewer sessions counted across the whole site, so the per-user and per-address caps hold
however many nodes serve it (a user's views may run on any node: offers are forwarded to the
node pulling the camera).

In Redis, one sorted set per user and per client address (`<prefix>views:user:<name>`,
`<prefix>views:addr:<address>`): members are the sessions' tickets, scores when each stops
counting unless renewed. A node adds a ticket atomically with the check (`_ADMIT`), renews
the tickets of its running sessions on every site tick (`renew`), and removes one when its
session ends; a node that dies stops renewing, so its sessions stop counting after `ttl_ms`.
The relay checks its own per-process counts first; with Redis unreachable only those hold
(logged), so viewing never depends on Redis.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS: the sets to count in; ARGV: now (ms), expiry (ms), ticket, then one cap per key.
# Returns 0 (admitted, ticket added to every set) or the 1-based index of the key at its cap.
_ADMIT = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('PEXPIREAT', key, ARGV[2])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Ticket:
    """One admitted session: where it counts."""

    keys: tuple[str, ...]


class SiteSessions:
    """The site-wide counts of viewer sessions (one per node, over the site's Redis)."""

    def __init__(self, client: aioredis.Redis, prefix: str, ttl_ms: int) -> None:
        self._redis = client
        self._prefix = prefix + "views:"
        self._ttl_ms = ttl_ms
        self._admit = client.register_script(_ADMIT)
        self._tickets: dict[str, Ticket] = {}  # this node's running sessions
        self.closed = False  # the node stopped: nothing more goes to Redis
        self.ops = 0

    def _keys(self, address: str, user: str | None) -> list[str]:
        keys = [f"{self._prefix}addr:{address}"]
        if user is not None:
            keys.append(f"{self._prefix}user:{user}")
        return keys

    async def admit(
        self, ticket: str, address: str, user: str | None, per_address: int, per_user: int
    ) -> str | None:
        """None when admitted (the ticket counts until released), else which cap is full:
        "address" or "user". Redis unreachable: admitted (the node's own caps still hold)."""
        if self.closed:
            return None
        keys = self._keys(address, user)
        now = int(time.time() * 1000)
        caps = [per_address, per_user][: len(keys)]
        try:
            full = int(await self._admit(keys=keys, args=[now, now + self._ttl_ms, ticket, *caps]))
        except RedisError as exc:
            log.warning("site-wide viewer caps not checked (Redis: %s); this node's hold", exc)
            return None
        finally:
            self.ops += 1
        if full:
            return "address" if full == 1 else "user"
        self._tickets[ticket] = Ticket(tuple(keys))
        return None

    async def release(self, ticket: str) -> None:
        """The session ended: it no longer counts anywhere."""
        held = self._tickets.pop(ticket, None)
        if held is None or self.closed:
            return
        await self._remove({ticket: held})

    async def close(self) -> None:
        """The node stops: its sessions stop counting now, not at their expiry (one round
        trip), and nothing more is sent (its Redis client is closed after this)."""
        held, self._tickets = self._tickets, {}
        if held:
            await self._remove(held)
        self.closed = True

    async def _remove(self, held: dict[str, Ticket]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for ticket, where in held.items():
            for key in where.keys:
                pipe.zrem(key, ticket)
        try:
            await pipe.execute()
        except RedisError as exc:  # it stops counting at its expiry anyway
            log.warning("viewer ticket not removed (Redis: %s); it expires by itself", exc)
        finally:
            self.ops += 1

    async def renew(self) -> None:
        """Keep this node's running sessions counted for another `ttl_ms` (one round trip;
        raises RedisError, which the site's tick handles)."""
        if not self._tickets or self.closed:
            return
        until = int(time.time() * 1000) + self._ttl_ms
        pipe = self._redis.pipeline(transaction=False)
        for ticket, held in self._tickets.items():
            for key in held.keys:
                pipe.zadd(key, {ticket: until}, xx=True)
                pipe.pexpireat(key, until)
        self.ops += 1
        await pipe.execute()
