"""The ingest supervisor: one worker per active camera stream, reconciled from StreamSpecs.

The control plane calls `apply(specs)` with everything that should be pulled; the supervisor
starts new streams, stops removed ones and restarts changed ones. "on_demand" streams run only
while someone consumes them: a bus subscriber, or a `demand()` call (the relay, snapshots), and
stop `on_demand_idle_s` after the last one leaves.

With `config.shards > 0` the workers run in child processes (`shard_pool.py`) rather than
threads of this one; the bus, the health registry and this API behave the same either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.handoff import LoopHandoff
from ingest.health import HealthRegistry, StreamHealth, StreamState
from ingest.packet import StreamKey
from ingest.shard_pool import ShardPool
from ingest.spec import StreamSpec
from ingest.timestamps import PtsNormaliser
from ingest.worker import StreamWorker

log = logging.getLogger(__name__)


class Worker(Protocol):
    """What the supervisor needs of a stream's worker: a thread here, or one in a shard."""

    key: StreamKey

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    async def wait(self, within_s: float) -> bool: ...


class IngestSupervisor:
    """Owns every StreamWorker of this process; start(), apply(), stop()."""

    def __init__(
        self,
        config: IngestConfig,
        bus: FrameBus,
        health: HealthRegistry,
        on_state_change: Callable[[StreamHealth], None] | None = None,
    ) -> None:
        self.config = config
        self.bus = bus
        self.health = health
        if on_state_change is not None:
            health.add_listener(on_state_change)
        self._specs: dict[StreamKey, StreamSpec] = {}
        self._workers: dict[StreamKey, Worker] = {}
        self._demand: dict[StreamKey, int] = {}
        self._idle_timers: dict[StreamKey, asyncio.TimerHandle] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._timelines: dict[StreamKey, PtsNormaliser] = {}  # pts continue across restarts
        self._handoff: LoopHandoff | None = None
        self._pool: ShardPool | None = None
        bus.on_subscribers_changed(self._on_subscribers)

    @property
    def handoff_drops(self) -> int:
        in_process = self._handoff.dropped if self._handoff else 0
        return in_process + (self._pool.dropped if self._pool else 0)

    def specs(self) -> list[StreamSpec]:
        return list(self._specs.values())

    def shard_pids(self) -> list[int]:
        """Process ids of the running ingest shards (none when pulling in process)."""
        if self._pool is None:
            return []
        return [shard.pid for shard in self._pool.shards if shard.pid is not None]

    def is_running(self, key: StreamKey) -> bool:
        worker = self._workers.get(key)
        return worker is not None and worker.running

    async def start(self) -> None:
        """Bind to the running loop and start every stream that should be pulled."""
        self._handoff = LoopHandoff(asyncio.get_running_loop())
        if self.config.shards > 0:
            self._pool = ShardPool(self.config, self.bus, self.health)
        for key in self._specs:
            self._reconcile_one(key)

    async def stop(self) -> None:
        """Stop every worker and wait (bounded) for their threads, or end the shard processes."""
        for timer in self._idle_timers.values():
            timer.cancel()
        self._idle_timers.clear()
        workers = list(self._workers.values())
        self._workers.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            for worker in workers:
                worker.stop()
            await asyncio.gather(pool.close(), *self._stopping)
        else:
            await asyncio.gather(*(self._finish(w) for w in workers), *self._stopping)
        self._handoff = None

    async def apply(self, specs: Iterable[StreamSpec]) -> None:
        """Make the pulled streams match `specs`: start new, stop removed, restart changed."""
        wanted = {spec.key: spec for spec in specs}
        removed = [key for key in self._specs if key not in wanted]
        restarts: list[Worker] = []
        for key in removed:
            del self._specs[key]
            worker = self._workers.pop(key, None)
            if worker is not None:
                restarts.append(worker)
            self._cancel_idle(key)
            self._timelines.pop(key, None)
            self.health.remove(key)
            self.bus.remove(key)
        for key, spec in wanted.items():
            old = self._specs.get(key)
            self._specs[key] = spec
            if old is not None and old != spec:
                worker = self._workers.pop(key, None)
                if worker is not None:
                    restarts.append(worker)
        await asyncio.gather(*(self._finish(w) for w in restarts))
        if self._handoff is not None:
            for key in wanted:
                self._reconcile_one(key)

    def demand(self, key: StreamKey) -> None:
        """Someone needs `key` pulled now (an on-demand stream starts)."""
        self._demand[key] = self._demand.get(key, 0) + 1
        self._reconcile_one(key)

    def release(self, key: StreamKey) -> None:
        """Undo one `demand(key)`; the stream stops after the idle time if nobody else needs it."""
        left = self._demand.get(key, 0) - 1
        if left > 0:
            self._demand[key] = left
        else:
            self._demand.pop(key, None)
        self._reconcile_one(key)

    # --- internals -------------------------------------------------------------------------

    def _wanted(self, key: StreamKey) -> bool:
        spec = self._specs.get(key)
        if spec is None:
            return False
        if spec.pull_mode == "always":
            return True
        if self._demand.get(key, 0) > 0:
            return True
        channel = self.bus.get(key)
        return channel is not None and channel.subscriber_count > 0

    def _on_subscribers(self, key: StreamKey, _count: int) -> None:
        if key in self._specs:
            self._reconcile_one(key)

    def _reconcile_one(self, key: StreamKey) -> None:
        if self._handoff is None or key not in self._specs:
            return
        if self._wanted(key):
            self._cancel_idle(key)
            if key not in self._workers:
                self._start_worker(self._specs[key])
        elif key in self._workers and key not in self._idle_timers:
            loop = self._handoff.loop
            self._idle_timers[key] = loop.call_later(
                self.config.on_demand_idle_s, self._idle_expired, key
            )
        elif key not in self._workers:
            self.health.set_state(key, StreamState.IDLE, "on demand: pulled while someone watches")

    def _start_worker(self, spec: StreamSpec) -> None:
        assert self._handoff is not None
        timeline = self._timelines.get(spec.key)
        if timeline is None:
            timeline = self._timelines[spec.key] = PtsNormaliser(
                max_gap_s=max(self.config.stall_timeout_s, 1.0)
            )
        worker: Worker
        if self._pool is not None:
            worker = self._pool.stream(spec, timeline)
        else:
            channel = self.bus.channel(spec.key)
            worker = StreamWorker(spec, self.config, channel, self.health, self._handoff, timeline)
        self._workers[spec.key] = worker
        self.health.entry(spec.key)
        worker.start()

    def _idle_expired(self, key: StreamKey) -> None:
        self._idle_timers.pop(key, None)
        if self._wanted(key):
            return
        worker = self._workers.pop(key, None)
        if worker is None:
            return
        task = asyncio.get_running_loop().create_task(self._finish(worker))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        self.health.set_state(key, StreamState.IDLE, "on demand: pulled while someone watches")

    def _cancel_idle(self, key: StreamKey) -> None:
        timer = self._idle_timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    async def _finish(self, worker: Worker) -> None:
        worker.stop()
        if not await worker.wait(self.config.stop_timeout_s):
            log.warning(
                "ingest worker did not stop in time; it will exit on its own",
                extra={"camera_id": worker.key.camera_id, "stream": worker.key.stream},
            )
