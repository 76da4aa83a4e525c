"""A small bounded pool of its own for password checks, so a burst of sign-ins never takes the
worker threads that health checks, WHEP offers and signed-in requests run on.

Argon2 is slow and takes 64 MiB a hash on purpose; at most `workers` run at once, at most
`queue` more wait, and beyond that the caller is told to come back (429 with Retry-After)
before any hashing is done.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vms.errors import TooManyRequests

T = TypeVar("T")


class HashPool:
    """Runs password work on `workers` threads with at most `queue` waiting."""

    def __init__(self, workers: int, queue: int, retry_after_s: int = 2) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.retry_after_s = retry_after_s
        self.refused = 0
        self._pending = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password")

    @property
    def pending(self) -> int:
        """Calls running or waiting now."""
        return self._pending

    def _admit(self) -> None:
        with self._lock:
            if self._pending >= self.capacity:
                self.refused += 1
                raise TooManyRequests(
                    "too many sign-ins at once; try again shortly",
                    details={"retry_after_s": self.retry_after_s},
                    headers={"Retry-After": str(self.retry_after_s)},
                )
            self._pending += 1

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the pool, awaited from the event loop; refused when full."""
        self._admit()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, fn, *args)
        finally:
            self._release()

    def call(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the pool from a worker thread (hashing a new or changed password)."""
        self._admit()
        try:
            return self._executor.submit(fn, *args).result()
        finally:
            self._release()

    def close(self) -> None:
        """Stop the threads (waiting calls are cancelled)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class HashPoolCollector(Collector):
    """`vms_signin_pending` (running or waiting now) and `vms_signin_refused_total` (429s)."""

    def __init__(self, pool: HashPool) -> None:
        self.pool = pool

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "vms_signin_pending",
            "Sign-in checks running or waiting on the sign-in (hashing) pool",
            value=self.pool.pending,
        )
        yield CounterMetricFamily(
            "vms_signin_refused",
            "Sign-ins refused because the hashing pool's queue was full",
            value=self.pool.refused,
        )
