"""Events inside the server (camera state changes, registry changes, grants revoked, ...).

In-process by default; a Redis implementation of the same `EventBus` surface serves a site run
by several processes. Subscribers get bounded queues: a subscriber that falls behind loses its
oldest events (counted in `dropped`), never blocks the publisher.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: `topic` like "camera.state", a JSON-able `data` dict."""

    topic: str
    data: dict[str, Any]
    at: float = field(default_factory=time.time)


class EventSubscription:
    """A bounded stream of events whose topic starts with one of `prefixes`."""

    def __init__(self, bus: InProcessEventBus, prefixes: tuple[str, ...], maxsize: int) -> None:
        self._bus = bus
        self.prefixes = prefixes
        self.maxsize = maxsize
        self.dropped = 0
        self._queue: deque[Event] = deque()
        self._ready = asyncio.Event()
        self.closed = False

    def matches(self, topic: str) -> bool:
        return not self.prefixes or topic.startswith(self.prefixes)

    def offer(self, event: Event) -> None:
        if len(self._queue) >= self.maxsize:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(event)
        self._ready.set()

    async def get(self, wait_s: float | None = None) -> Event | None:
        """The next event, or None when `wait_s` passes or the subscription closes."""
        while not self._queue:
            if self.closed:
                return None
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), wait_s)
            except TimeoutError:
                return None
        return self._queue.popleft()

    def close(self) -> None:
        self.closed = True
        self._ready.set()
        self._bus._subs.discard(self)


class EventBus(Protocol):
    """What publishers and subscribers need from an event bus."""

    def publish(self, topic: str, data: dict[str, Any]) -> None: ...

    def subscribe(self, *prefixes: str, maxsize: int = 1000) -> EventSubscription: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessEventBus:
    """Events for one process. `publish` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._subs: set[EventSubscription] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def start(self) -> None:
        """Deliver on the running loop from now on (publishers may be on other threads)."""
        self.bind(asyncio.get_running_loop())

    async def stop(self) -> None:
        for sub in tuple(self._subs):
            sub.close()

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        event = Event(topic, data)
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._deliver, event)
            return
        self._deliver(event)

    def _deliver(self, event: Event) -> None:
        for sub in tuple(self._subs):
            if sub.matches(event.topic):
                sub.offer(event)

    def subscribe(self, *prefixes: str, maxsize: int = 1000) -> EventSubscription:
        sub = EventSubscription(self, prefixes, maxsize)
        self._subs.add(sub)
        return sub
