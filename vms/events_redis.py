"""Events shared by every process serving one site, through Redis pub/sub.

Publishing never blocks the caller: events go into a bounded outbox (oldest dropped and counted
when Redis is slow or away) that one owned task sends. Another owned task listens on the site's
channel pattern and hands what arrives to local subscribers, so a process sees its own events
and everyone else's in the order Redis delivered them. The listener reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from typing import Any

import redis.asyncio as aioredis

from vms.events import Event, EventSubscription, InProcessEventBus

log = logging.getLogger(__name__)


class RedisEventBus:
    """`EventBus` over Redis pub/sub; `start()` and `stop()` own its two tasks."""

    def __init__(self, url: str, *, prefix: str = "vms:events:", outbox_max: int = 10_000) -> None:
        self._url = url
        self._prefix = prefix
        self._local = InProcessEventBus()
        self._outbox: deque[Event] = deque()
        self._outbox_max = outbox_max
        self._outbox_ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: aioredis.Redis | None = None
        self._listening = asyncio.Event()
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
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._client is not None:
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
                await self._client.publish(self._prefix + event.topic, payload)
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as exc:
                log.warning("event bus: Redis publish failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            self._outbox.popleft()

    async def _listen_loop(self) -> None:
        delay = 0.2
        while True:
            client = aioredis.Redis.from_url(self._url)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self._prefix + "*")
                self._listening.set()
                delay = 0.2
                async for message in pubsub.listen():
                    self._deliver(message)
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as exc:
                log.warning("event bus: Redis listener lost (%s); reconnecting", type(exc).__name__)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 10.0)

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["data"])
            event = Event(str(body["topic"]), dict(body["data"]), float(body["at"]))
        except (KeyError, TypeError, ValueError):
            log.warning("event bus: ignored a malformed message on %s", message.get("channel"))
            return
        self._local._deliver(event)
