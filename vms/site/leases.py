"""Camera leases in Redis: SET NX PX with a fencing token, renewed by one Lua script a tick.

A lease's value is `<node>|<token>`; the token comes from INCR on one counter, so it only
grows. Renewal compares the whole value atomically (Lua), so a process that was paused or cut
off and whose lease was taken by another can never extend it: it learns it lost the camera
and stops pulling it. A lease Redis forgot (a restart, a flush) is reclaimed by its holder
with a fresh token, never below the one it held, so a restarted empty Redis is repopulated
from the nodes. Every call is counted (`ops`: commands, `keys`: lease keys touched) for the
scaling figures in docs/SCALING.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import redis.asyncio as aioredis

_ACQUIRE = """
local out = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local t = redis.call('INCR', KEYS[1])
    redis.call('SET', KEYS[i], ARGV[1] .. '|' .. t, 'PX', ARGV[2])
    out[#out + 1] = t
  else
    out[#out + 1] = 0
  end
end
return out
"""

_RENEW = """
local out = {}
local top = 0
for i = 3, #ARGV do top = math.max(top, tonumber(ARGV[i])) end
for i = 2, #KEYS do
  local mine = tonumber(ARGV[i + 1])
  local v = redis.call('GET', KEYS[i])
  if v == ARGV[1] .. '|' .. ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    out[#out + 1] = mine
  elseif not v then
    local c = tonumber(redis.call('GET', KEYS[1]) or '0')
    if c < top then redis.call('SET', KEYS[1], top) end
    local t = redis.call('INCR', KEYS[1])
    redis.call('SET', KEYS[i], ARGV[1] .. '|' .. t, 'PX', ARGV[2])
    out[#out + 1] = t
  else
    out[#out + 1] = 0
  end
end
return out
"""

_RELEASE = """
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] .. '|' .. ARGV[i + 1] then
    redis.call('DEL', KEYS[i])
    n = n + 1
  end
end
return n
"""


def parse_owner(value: bytes | str | None) -> tuple[str, int] | None:
    """`<node>|<token>` → (node, token); None for no lease or a value we did not write."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    node, sep, token = text.rpartition("|")
    if not sep or not token.isdigit():
        return None
    return node, int(token)


class LeaseStore:
    """The site's camera leases (`<prefix>lease:<camera id>`), for one node."""

    def __init__(self, client: aioredis.Redis, prefix: str, node: str, lease_ms: int) -> None:
        self._redis = client
        self._prefix = prefix
        self.node = node
        self.lease_ms = lease_ms
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self.ops = 0
        self.keys = 0

    def key(self, camera_id: int) -> str:
        return f"{self._prefix}lease:{camera_id}"

    @property
    def _counter(self) -> str:
        return f"{self._prefix}lease-token"

    def _count(self, n: int) -> None:
        self.ops += 1
        self.keys += n

    async def acquire(self, camera_ids: Iterable[int]) -> dict[int, int]:
        """Take the free leases among `camera_ids`; returns camera → token of those taken."""
        ids = list(camera_ids)
        if not ids:
            return {}
        self._count(len(ids))
        keys = [self._counter, *(self.key(c) for c in ids)]
        tokens = await self._acquire(keys=keys, args=[self.node, self.lease_ms])
        return {c: int(t) for c, t in zip(ids, tokens, strict=True) if int(t) > 0}

    async def renew(self, held: Mapping[int, int]) -> dict[int, int]:
        """Extend every lease in `held` (camera → token) that is still ours; reclaim those Redis
        forgot. Returns camera → token (new if reclaimed) of the leases still held."""
        if not held:
            return {}
        ids = list(held)
        self._count(len(ids))
        keys = [self._counter, *(self.key(c) for c in ids)]
        args: list[str | int] = [self.node, self.lease_ms, *(held[c] for c in ids)]
        tokens = await self._renew(keys=keys, args=args)
        return {c: int(t) for c, t in zip(ids, tokens, strict=True) if int(t) > 0}

    async def release(self, held: Mapping[int, int]) -> int:
        """Give up leases (only those still ours); returns how many were released."""
        if not held:
            return 0
        ids = list(held)
        self._count(len(ids))
        args: list[str | int] = [self.node, *(held[c] for c in ids)]
        return int(await self._release(keys=[self.key(c) for c in ids], args=args))

    async def owners(self, camera_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
        """camera → (node, token) for every leased camera among `camera_ids`."""
        ids = list(camera_ids)
        if not ids:
            return {}
        self._count(len(ids))
        values = await self._redis.mget([self.key(c) for c in ids])
        out: dict[int, tuple[str, int]] = {}
        for c, v in zip(ids, values, strict=True):
            owner = parse_owner(v)
            if owner is not None:
                out[c] = owner
        return out
