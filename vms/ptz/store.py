"""Where control sessions live: one small interface, in-process or in Redis.

Both apply the pure rule of vms.ptz.arbitration atomically per camera: in process under a lock,
in Redis with WATCH/MULTI (optimistic: a write that raced another process is retried on the new
value), so several processes serving one site agree on one holder.

A session that runs out (neither released, revoked nor taken over) is kept until `lapsed()`
hands it to exactly one caller of the site, which audits the lapse: in Redis a sorted set of
the sessions' ends, claimed by one script, and a list of the run-out sessions a new claim
replaced before the sweep came.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from vms.ptz import arbitration
from vms.ptz.arbitration import Claim, ClaimResult, Holder, ReleaseResult

R = TypeVar("R", ClaimResult, ReleaseResult)


def _next_state(result: ClaimResult | ReleaseResult) -> Holder | None:
    if isinstance(result, ClaimResult):
        return result.holder
    return result.previous if result.outcome in ("refused", "none") else None


class ControlStore(Protocol):
    """The camera control sessions of a site."""

    async def holder(self, camera_id: int, now: float | None = None) -> Holder | None: ...

    async def claim(self, camera_id: int, request: Claim, now: float | None = None) -> ClaimResult:
        """Take, renew or take over control (vms.ptz.arbitration.claim), atomically."""
        ...

    async def release(
        self, camera_id: int, user_id: int, priority: int, now: float | None = None
    ) -> ReleaseResult: ...

    async def revoke(
        self, camera_id: int, should: Callable[[Holder], bool], now: float | None = None
    ) -> ReleaseResult:
        """End the camera's live session if `should(session)` (vms.ptz.arbitration.revoke)."""
        ...

    async def sessions(self, now: float | None = None) -> dict[int, Holder]:
        """Every live session of the site, by camera id."""
        ...

    async def lapsed(self, now: float | None = None) -> list[tuple[int, Holder]]:
        """The sessions that ran out, each handed to exactly one caller in the site."""
        ...

    async def close(self) -> None: ...


class _RuleStore:
    """The interface over a store's one atomic step, `_apply(camera_id, rule, now)`."""

    async def _read(self, camera_id: int) -> Holder | None:
        raise NotImplementedError

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R], now: float) -> R:
        raise NotImplementedError

    async def holder(self, camera_id: int, now: float | None = None) -> Holder | None:
        current = await self._read(camera_id)
        moment = time.time() if now is None else now
        return current if current is not None and current.live(moment) else None

    async def claim(self, camera_id: int, request: Claim, now: float | None = None) -> ClaimResult:
        moment = time.time() if now is None else now
        return await self._apply(camera_id, lambda h: arbitration.claim(h, request, moment), moment)

    async def release(
        self, camera_id: int, user_id: int, priority: int, now: float | None = None
    ) -> ReleaseResult:
        moment = time.time() if now is None else now
        return await self._apply(
            camera_id, lambda h: arbitration.release(h, user_id, priority, moment), moment
        )

    async def revoke(
        self, camera_id: int, should: Callable[[Holder], bool], now: float | None = None
    ) -> ReleaseResult:
        moment = time.time() if now is None else now
        return await self._apply(camera_id, lambda h: arbitration.revoke(h, should, moment), moment)

    async def sessions(self, now: float | None = None) -> dict[int, Holder]:
        moment = time.time() if now is None else now
        held = await self._all()
        return {cam: h for cam, h in sorted(held.items()) if h.live(moment)}

    async def _all(self) -> dict[int, Holder]:
        raise NotImplementedError


def _ran_out(current: Holder | None, state: Holder | None, now: float) -> Holder | None:
    """The session a step replaces or ends after it ran out by itself (its lapse to audit)."""
    if current is None or current.live(now) or state == current:
        return None
    return current


class MemoryControlStore(_RuleStore):
    """Sessions of one process."""

    def __init__(self) -> None:
        self._sessions: dict[int, Holder] = {}
        self._replaced: list[tuple[int, Holder]] = []  # ran out, then replaced before a sweep
        self._lock = asyncio.Lock()

    async def lapsed(self, now: float | None = None) -> list[tuple[int, Holder]]:
        moment = time.time() if now is None else now
        async with self._lock:
            out, self._replaced = self._replaced, []
            for cam, holder in sorted(self._sessions.items()):
                if not holder.live(moment):
                    out.append((cam, self._sessions.pop(cam)))
            return out

    async def _read(self, camera_id: int) -> Holder | None:
        return self._sessions.get(camera_id)

    async def _all(self) -> dict[int, Holder]:
        return dict(self._sessions)

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R], now: float) -> R:
        async with self._lock:
            current = self._sessions.get(camera_id)
            result = rule(current)
            state = _next_state(result)
            ran_out = _ran_out(current, state, now)
            if ran_out is not None:
                self._replaced.append((camera_id, ran_out))
            if state is None:
                self._sessions.pop(camera_id, None)
            else:
                self._sessions[camera_id] = state
            return result

    async def close(self) -> None:
        self._sessions.clear()


# the sessions whose end (score) has come: each removed and returned once, site-wide. The
# session keys are named from ARGV, not KEYS: fine on one Redis, not on Redis Cluster.
_SWEEP = """
local out = {}
for _, cam in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)) do
  redis.call('ZREM', KEYS[1], cam)
  local key = ARGV[2] .. cam
  local raw = redis.call('GET', key)
  if raw then
    local ends = tonumber(cjson.decode(raw)['until'])
    if ends <= tonumber(ARGV[1]) then
      redis.call('DEL', key)
      table.insert(out, cam .. '|' .. raw)
    else  -- renewed meanwhile (or this clock is behind): look again at its new end
      redis.call('ZADD', KEYS[1], ends, cam)
    end
  end
end
while true do
  local item = redis.call('LPOP', KEYS[2])
  if not item then break end
  table.insert(out, item)
end
return out
"""


class RedisControlStore(_RuleStore):
    """Sessions in Redis, one key per camera, kept past their end until the sweep hands the
    lapse out (`<prefix>due`: camera → end; `<prefix>replaced`: ran out, then replaced)."""

    def __init__(self, url: str, *, prefix: str = "vms:ptz:session:") -> None:
        self._client: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = self.prefix = prefix
        self._due = prefix + "due"
        self._replaced = prefix + "replaced"

    async def lapsed(self, now: float | None = None) -> list[tuple[int, Holder]]:
        moment = time.time() if now is None else now
        raw = await self._client.eval(
            _SWEEP, 2, self._due, self._replaced, repr(moment), self._prefix
        )
        out: list[tuple[int, Holder]] = []
        for item in raw:
            text = item.decode() if isinstance(item, bytes) else str(item)
            cam, _, body = text.partition("|")
            holder = _decode(body)
            if cam.isdigit() and holder is not None:
                out.append((int(cam), holder))
        return out

    def _key(self, camera_id: int) -> str:
        return f"{self._prefix}{camera_id}"

    async def _read(self, camera_id: int) -> Holder | None:
        return _decode(await self._client.get(self._key(camera_id)))

    async def _all(self) -> dict[int, Holder]:
        out: dict[int, Holder] = {}
        async for raw_key in self._client.scan_iter(match=f"{self._prefix}*", count=500):
            key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
            suffix = key.removeprefix(self._prefix)
            holder = _decode(await self._client.get(key)) if suffix.isdigit() else None
            if holder is not None:  # expired between the scan and the read otherwise
                out[int(suffix)] = holder
        return out

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R], now: float) -> R:
        key = self._key(camera_id)
        async with self._client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    current = _decode(await pipe.get(key))
                    result = rule(current)
                    state = _next_state(result)
                    ran_out = _ran_out(current, state, now)
                    pipe.multi()
                    if ran_out is not None:
                        pipe.rpush(self._replaced, f"{camera_id}|{json.dumps(ran_out.to_dict())}")
                    if state is None:
                        pipe.delete(key)
                        pipe.zrem(self._due, str(camera_id))
                    else:
                        pipe.set(key, json.dumps(state.to_dict()))
                        pipe.zadd(self._due, {str(camera_id): state.until})
                    await pipe.execute()
                    return result
                except WatchError:
                    continue  # another process changed the session between read and write

    async def close(self) -> None:
        await self._client.aclose()


def _decode(raw: bytes | str | None) -> Holder | None:
    if raw is None:
        return None
    return Holder.from_dict(json.loads(raw))
