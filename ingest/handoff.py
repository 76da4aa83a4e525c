"""Hands work from ingest threads to the event loop in batches: one wake-up per batch.

`loop.call_soon_threadsafe` per packet costs a pipe write and a loop iteration each; with
hundreds of cameras that dominates. Workers append to one shared deque instead and only the
first append after a drain schedules the next drain.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class LoopHandoff:
    """A bounded queue of calls from threads, run in order on the loop thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_items: int = 20_000) -> None:
        self.loop = loop
        self.max_items = max_items
        self.dropped = 0
        self._items: deque[tuple[Callable[[Any], None], Any]] = deque()
        self._scheduled = False

    def put(self, fn: Callable[[Any], None], arg: Any, *, droppable: bool = False) -> bool:
        """Queue `fn(arg)` for the loop. A droppable item is refused when the loop lags badly."""
        if droppable and len(self._items) >= self.max_items:
            self.dropped += 1
            return False
        self._items.append((fn, arg))
        if not self._scheduled:
            self._scheduled = True
            try:
                self.loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # loop closed: the server is going away
                return False
        return True

    def _drain(self) -> None:
        self._scheduled = False
        items = self._items
        # Only what is queued now: threads appending meanwhile schedule the next drain.
        for _ in range(len(items)):
            fn, arg = items.popleft()
            try:
                fn(arg)
            except Exception:
                log.exception("ingest hand-over call failed")
