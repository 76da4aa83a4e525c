"""Fixtures of the ingest tests: the shared simulator and GStreamer peers, and a poll helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from tests.fixtures_camsim import camsim, camsim_factory, gst_rtsp_server  # noqa: F401
from tests.ingest.rig import rig_factory  # noqa: F401


async def eventually(
    check: Callable[[], bool] | Callable[[], Awaitable[bool]],
    within_s: float = 20.0,
    what: str = "condition",
) -> None:
    """Poll `check` until it is true; fail the test after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
