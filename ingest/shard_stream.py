"""The supervisor's handle on one stream pulled in a shard process; it stands in for a worker.

It has the surface the supervisor uses of a StreamWorker (`key`, `running`, `start`, `stop`,
`wait`) and does on the parent's loop what a worker's loop-thread half does in process: publish
to the frame bus channel, update the health registry. Timestamps pass through the stream's
parent-side timeline too, so pts keep going forward when the stream restarts in a new process.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from ingest.frame_bus import Channel
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamInfo
from ingest.sink import StreamSink
from ingest.spec import StreamSpec
from ingest.timestamps import OUT_TIME_BASE, PtsNormaliser

if TYPE_CHECKING:
    from ingest.shard_pool import ShardProcess


class ShardedStream:
    """One stream's worker as seen from the supervisor, whatever shard process runs it."""

    def __init__(
        self,
        worker_id: int,
        spec: StreamSpec,
        channel: Channel,
        health: HealthRegistry,
        timeline: PtsNormaliser,
        shard: ShardProcess,
    ) -> None:
        self.worker_id = worker_id
        self.spec = spec
        self.key = spec.key
        self.shard = shard
        self._sink = StreamSink(spec.key, channel, health)
        self._timeline = timeline
        self._started = False
        self._stopping = False
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def running(self) -> bool:
        return self._started and not self._done.done()

    def start(self) -> None:
        if not self._started:
            self._started = True
            self.shard.attach(self)

    def stop(self) -> None:
        """Ask the shard to stop the worker; `wait()` for its thread to have ended."""
        if self._started and not self._stopping:
            self._stopping = True
            self.shard.detach(self)
        elif not self._started:
            self.finished()

    async def wait(self, within_s: float) -> bool:
        if not self._started:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._done), within_s)
        except TimeoutError:
            return False
        return True

    # --- called by the shard process ------------------------------------------------------

    def restarting(self) -> None:
        """The worker (re)starts in a fresh process: its pts continue from where they were."""
        self._timeline.restart()

    def finished(self) -> None:
        if not self._done.done():
            self._done.set_result(None)

    def on_packet(self, packet: EncodedPacket) -> None:
        pts = self._timeline.convert(packet.pts, packet.time_base)
        if pts != packet.pts or packet.time_base != OUT_TIME_BASE:
            packet = dataclasses.replace(packet, pts=pts, time_base=OUT_TIME_BASE)
        self._sink.packet(packet)

    def on_info(self, info: StreamInfo) -> None:
        self._sink.info(info)

    def on_state(self, state: StreamState, reason: str | None) -> None:
        if self._stopping and state != StreamState.ERROR:
            return
        self._sink.state(state, reason)

    def on_reconnect(self) -> None:
        self._sink.reconnect()

    def on_shard_lost(self, reason: str) -> None:
        """The shard process died; it is being restarted and this stream with it."""
        if self._stopping:
            return
        self._sink.reconnect()
        self._sink.state(StreamState.OFFLINE, reason)
