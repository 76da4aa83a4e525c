"""Where control sessions live: one small interface, in-process or in Redis.

Both apply the pure rule of vms.ptz.arbitration atomically per camera: in process under a lock,
in Redis with WATCH/MULTI (optimistic: a write that raced another process is retried on the new
value), so several processes serving one site agree on one holder.
"""

from __future__ import annotations

import asyncio
import json
import math
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

    async def close(self) -> None: ...


class _RuleStore:
    """The interface over a store's one atomic step, `_apply(camera_id, rule)`."""

    async def _read(self, camera_id: int) -> Holder | None:
        raise NotImplementedError

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R]) -> R:
        raise NotImplementedError

    async def holder(self, camera_id: int, now: float | None = None) -> Holder | None:
        current = await self._read(camera_id)
        moment = time.time() if now is None else now
        return current if current is not None and current.live(moment) else None

    async def claim(self, camera_id: int, request: Claim, now: float | None = None) -> ClaimResult:
        moment = time.time() if now is None else now
        return await self._apply(camera_id, lambda h: arbitration.claim(h, request, moment))

    async def release(
        self, camera_id: int, user_id: int, priority: int, now: float | None = None
    ) -> ReleaseResult:
        moment = time.time() if now is None else now
        return await self._apply(
            camera_id, lambda h: arbitration.release(h, user_id, priority, moment)
        )

    async def revoke(
        self, camera_id: int, should: Callable[[Holder], bool], now: float | None = None
    ) -> ReleaseResult:
        moment = time.time() if now is None else now
        return await self._apply(camera_id, lambda h: arbitration.revoke(h, should, moment))

    async def sessions(self, now: float | None = None) -> dict[int, Holder]:
        moment = time.time() if now is None else now
        held = await self._all()
        return {cam: h for cam, h in sorted(held.items()) if h.live(moment)}

    async def _all(self) -> dict[int, Holder]:
        raise NotImplementedError


class MemoryControlStore(_RuleStore):
    """Sessions of one process."""

    def __init__(self) -> None:
        self._sessions: dict[int, Holder] = {}
        self._lock = asyncio.Lock()

    async def _read(self, camera_id: int) -> Holder | None:
        return self._sessions.get(camera_id)

    async def _all(self) -> dict[int, Holder]:
        return dict(self._sessions)

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R]) -> R:
        async with self._lock:
            result = rule(self._sessions.get(camera_id))
            state = _next_state(result)
            if state is None:
                self._sessions.pop(camera_id, None)
            else:
                self._sessions[camera_id] = state
            return result

    async def close(self) -> None:
        self._sessions.clear()


class RedisControlStore(_RuleStore):
    """Sessions in Redis, one key per camera that Redis expires with the session."""

    def __init__(self, url: str, *, prefix: str = "vms:ptz:session:") -> None:
        self._client: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix

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

    async def _apply(self, camera_id: int, rule: Callable[[Holder | None], R]) -> R:
        key = self._key(camera_id)
        async with self._client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    result = rule(_decode(await pipe.get(key)))
                    state = _next_state(result)
                    pipe.multi()
                    if state is None:
                        pipe.delete(key)
                    else:
                        pipe.set(
                            key,
                            json.dumps(state.to_dict()),
                            pxat=max(1, math.ceil(state.until * 1000)),
                        )
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
