"""Events shared by every process serving one site, on a Redis Stream read through consumer
groups, so that an event is not lost when a process's connection to Redis drops or Redis itself
restarts (pub/sub, which this replaced, is at-most-once: whatever was published while a
listener reconnected was gone).

Publishing never blocks the caller: events go into a bounded outbox (oldest dropped and counted
when Redis is away longer than the outbox holds) that one owned task appends to the site's
stream (`XADD ... MAXLEN ~`). Every process reads the whole stream in a consumer group of its
own, created at the stream's end when the process starts (it loads its state from the database
then; what came before is not its business), and acknowledges each entry once it has handed it
to its local subscribers. After a dropped connection it first re-reads the entries Redis handed
it but it never acknowledged, skipping those it already delivered, then goes on where its group
left off. A Redis restarted empty has lost the stream and the groups: the process re-creates its
group at the last entry it delivered, so everything appended since (by any process, from their
outboxes) still reaches it. A process killed with -9 leaves its group behind; the next process
to start removes the groups whose reader connection is gone.

So a process sees its own events and everyone else's, in the stream's order. What the stream
keeps is bounded (`maxlen` entries): a process cut off from Redis while more than that were
appended loses the oldest of what it missed, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import uuid
from collections import deque
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from vms.events import Event, EventSubscription, InProcessEventBus

log = logging.getLogger(__name__)

READ_BLOCK_MS = 2_000  # a blocked read returns this often (so a stopping reader ends by then)
READ_COUNT = 500
READER_NAME = "vms-events:"  # + the group: how a reader's connection is named in CLIENT LIST
REDIS_DOWN = (aioredis.ConnectionError, aioredis.TimeoutError, OSError)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _entry_id(raw: bytes | str) -> tuple[int, int]:
    ms, _, seq = _text(raw).partition("-")
    return int(ms), int(seq or 0)


class RedisEventBus:
    """`EventBus` over a Redis Stream; `start()` and `stop()` own its two tasks."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "vms:events:",
        outbox_max: int = 10_000,
        maxlen: int = 100_000,
    ) -> None:
        self._url = url
        self.stream = prefix + "stream"
        self.group = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._maxlen = maxlen
        self._local = InProcessEventBus()
        self._outbox: deque[Event] = deque()
        self._outbox_max = outbox_max
        self._outbox_ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: aioredis.Redis | None = None
        self._listening = asyncio.Event()
        self._last: tuple[int, int] | None = None  # the last entry handed to local subscribers
        self._stopping = False
        self.dropped = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._local.bind(self._loop)
        self._client = aioredis.Redis.from_url(self._url)
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="events-redis-send"),
            asyncio.create_task(self._listen_loop(), name="events-redis-listen"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 5.0)

    async def stop(self) -> None:
        self._stopping = True  # a reader whose cancellation redis-py swallowed ends at this
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=READ_BLOCK_MS / 1000 + 1)
        self._tasks = []
        if self._client is not None:
            with contextlib.suppress(*REDIS_DOWN, ResponseError, TimeoutError):
                await asyncio.wait_for(self._client.xgroup_destroy(self.stream, self.group), 2.0)
            await self._client.aclose()
            self._client = None

    def subscribe(self, *prefixes: str, maxsize: int = 1000) -> EventSubscription:
        return self._local.subscribe(*prefixes, maxsize=maxsize)

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        """Queue an event for every process of the site; callable from any thread."""
        event = Event(topic, data)
        loop = self._loop
        if loop is None or loop.is_closed():
            self.dropped += 1
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._enqueue(event)
        else:
            loop.call_soon_threadsafe(self._enqueue, event)

    def _enqueue(self, event: Event) -> None:
        if len(self._outbox) >= self._outbox_max:
            self._outbox.popleft()
            self.dropped += 1
        self._outbox.append(event)
        self._outbox_ready.set()

    async def _send_loop(self) -> None:
        assert self._client is not None
        while True:
            while not self._outbox:
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
            event = self._outbox[0]
            payload = json.dumps({"topic": event.topic, "data": event.data, "at": event.at})
            try:
                await self._client.xadd(
                    self.stream, {"e": payload}, maxlen=self._maxlen, approximate=True
                )
            except REDIS_DOWN as exc:
                log.warning("event bus: Redis append failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            self._outbox.popleft()

    async def _listen_loop(self) -> None:
        delay = 0.2
        while True:
            client = aioredis.Redis.from_url(self._url, client_name=READER_NAME + self.group)
            try:
                await self._join(client)
                self._listening.set()
                delay = 0.2
                await self._read(client, "0")  # handed to us before, never acknowledged
                while not self._stopping:
                    await self._read(client, ">")
                return
            except ResponseError as exc:  # NOGROUP: Redis restarted empty, or we were pruned
                log.warning("event bus: Redis refused a read (%s); re-joining", exc)
            except REDIS_DOWN as exc:
                log.warning("event bus: Redis reader lost (%s); reconnecting", type(exc).__name__)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 10.0)

    async def _join(self, client: aioredis.Redis) -> None:
        """Our group on the stream: at its end the first time, else after the last entry we
        delivered (Redis restarted empty, or the group was taken for a stale one)."""
        last = self._last
        start = "$" if last is None else f"{last[0]}-{last[1]}"
        try:
            await client.xgroup_create(self.stream, self.group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            return  # still there: carry on where it left off
        if last is None:
            await self._prune(client)  # and from here on, every entry after this one is ours
            mine = [
                g for g in await client.xinfo_groups(self.stream) if _text(g["name"]) == self.group
            ]
            self._last = _entry_id(mine[0]["last-delivered-id"]) if mine else (0, 0)
        else:
            await self._say_if_trimmed(client)

    async def _read(self, client: aioredis.Redis, cursor: str) -> None:
        block = READ_BLOCK_MS if cursor == ">" else None
        answer: Any = await client.xreadgroup(  # RESP2: [[stream, [(id, fields), ...]]]
            self.group, self.group, {self.stream: cursor}, count=READ_COUNT, block=block
        )
        for _stream, entries in answer or ():
            ids = []
            for raw_id, fields in entries:
                ids.append(raw_id)
                entry = _entry_id(raw_id)
                if fields is None or (self._last is not None and entry <= self._last):
                    continue  # trimmed away while pending, or already delivered
                self._last = entry
                self._deliver(fields)
            if ids:
                await client.xack(self.stream, self.group, *ids)

    async def _prune(self, client: aioredis.Redis) -> None:
        """Remove the groups of processes that died without leaving (kill -9): those whose
        reader connection (named after the group) is not connected. A live process caught
        between two connections only re-joins where it left off, so a wrong guess costs
        nothing."""
        try:
            connected = {_text(c.get("name", "")) for c in await client.client_list()}
        except ResponseError:  # CLIENT LIST not allowed for this user: leave them
            return
        for group in await client.xinfo_groups(self.stream):
            name = _text(group["name"])
            if name != self.group and READER_NAME + name not in connected:
                await client.xgroup_destroy(self.stream, name)
                log.info("event bus: removed the group of %s, which has no reader", name)

    async def _say_if_trimmed(self, client: aioredis.Redis) -> None:
        info = await client.xinfo_stream(self.stream)
        first = info.get("first-entry")
        added = int(info.get("entries-added", 0))
        if first and added > int(info.get("length", 0)) and self._last is not None:
            if _entry_id(first[0]) > self._last:
                log.error(
                    "event bus: away from Redis longer than the stream keeps (%d events); "
                    "some events of the site were missed",
                    self._maxlen,
                )

    def _deliver(self, fields: dict[bytes, bytes]) -> None:
        try:
            body = json.loads(fields[b"e"])
            event = Event(str(body["topic"]), dict(body["data"]), float(body["at"]))
        except (KeyError, TypeError, ValueError):
            log.warning("event bus: ignored a malformed entry on %s", self.stream)
            return
        self._local._deliver(event)
