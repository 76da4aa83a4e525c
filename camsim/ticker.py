"""The frame clock: one task per frame rate that walks every stream of that rate each tick.

The tick number is derived from elapsed time, so a late wake-up skips frames instead of
bunching them, and RTP timestamps keep following real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Ticker:
    """Calls `on_tick(tick, wall_time)` `fps` times a second until cancelled."""

    def __init__(self, fps: int, on_tick: Callable[[int, float], None]) -> None:
        self.fps = fps
        self.on_tick = on_tick
        self.ticks = 0
        self.missed = 0  # frame slots skipped because the loop woke up too late

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.fps
        start = loop.time()
        last = 0
        while True:
            await asyncio.sleep(max(0.0, start + (last + 1) * period - loop.time()))
            tick = int((loop.time() - start) / period)
            if tick <= last:
                continue
            self.missed += tick - last - 1
            last = tick
            self.ticks += 1
            self.on_tick(tick, time.time())
