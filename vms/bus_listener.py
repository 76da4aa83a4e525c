"""One subscription on the event bus and the task that reads it, owned together: started with
its owner, cancelled and closed on `stop()`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from vms.events import EventBus, EventSubscription


class BusListener:
    """Runs `read(subscription)` on events under `prefix` (one, or a tuple of them) from
    `start()` until `stop()`."""

    def __init__(
        self,
        events: EventBus,
        prefix: str | tuple[str, ...],
        read: Callable[[EventSubscription], Coroutine[Any, Any, None]],
        *,
        name: str,
        maxsize: int = 100,
    ) -> None:
        self.events = events
        self.prefixes = (prefix,) if isinstance(prefix, str) else prefix
        self.read = read
        self.name = name
        self.maxsize = maxsize
        self._sub: EventSubscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sub = self.events.subscribe(*self.prefixes, maxsize=self.maxsize)
        self._task = asyncio.get_running_loop().create_task(self.read(self._sub), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._sub is not None:
            self._sub.close()
            self._sub = None
