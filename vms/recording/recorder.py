"""The recorder: one lossless frame-bus subscriber per recorded camera stream.

Each stream has a task (owned here) that waits for packets on the event loop and hands them,
in batches, to its `Segmenter` on a worker thread, so file and SQL I/O never block the loop.
The subscription is lossless with a large bound: a recorder that falls behind is refused new
packets (counted) instead of being skipped ahead silently, and the refusal is recorded as a
gap ("recorder overflow"). No packet for `idle_close_s`: the segment is closed and the time
until the camera is back is a gap (with the ingest health's reason: camera offline, ...).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from ingest.frame_bus import FrameBus, Subscription, SubscriptionClosed
from ingest.packet import EncodedPacket, StreamKey
from vms.recording.config import RecordingConfig
from vms.recording.segmenter import Segmenter
from vms.recording.store import Interval, RecordingStore

log = logging.getLogger(__name__)

RESUBSCRIBE_S = 1.0


class StreamRecorder:
    """Records one stream from `start()` until `stop()`."""

    def __init__(
        self,
        key: StreamKey,
        bus: FrameBus,
        store: RecordingStore,
        config: RecordingConfig,
        offline_reason: Callable[[StreamKey], str | None],
    ) -> None:
        self.key = key
        self.bus = bus
        self.store = store
        self.config = config
        self.offline_reason = offline_reason
        self.segmenter: Segmenter | None = None
        self.overflows = 0
        self.packets = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"recorder-{self.key}"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.segmenter is not None:
            await asyncio.to_thread(self.segmenter.close)

    def current_gap(self) -> Interval | None:
        """The gap this stream is in now (not yet in the index), if any."""
        seg = self.segmenter
        if seg is None or seg.current is not None or seg.last_end is None:
            return None
        return Interval(seg.last_end, datetime.now(UTC), seg.pending_reason or "not recording")

    async def _run(self) -> None:
        key = self.key
        self.segmenter = await asyncio.to_thread(
            Segmenter, self.store, key.camera_id, key.stream, self.config
        )
        while True:
            sub = self.bus.channel(key).subscribe(
                self.config.queue_packets, from_gop=True, lossless=True
            )
            try:
                await self._consume(sub, self.segmenter)
            except SubscriptionClosed:
                await asyncio.to_thread(self.segmenter.interrupt, "stream restarted")
            finally:
                sub.close()
            await asyncio.sleep(RESUBSCRIBE_S)

    async def _consume(self, sub: Subscription, segmenter: Segmenter) -> None:
        seen_dropped = 0
        while True:
            try:
                first = await asyncio.wait_for(sub.get(), self.config.idle_close_s)
            except TimeoutError:
                if segmenter.current is not None:
                    reason = self.offline_reason(self.key) or "no video from the camera"
                    await asyncio.to_thread(segmenter.interrupt, f"camera offline: {reason}")
                continue
            batch = [first, *sub.drain()]
            self.packets += len(batch)
            overflowed = sub.dropped > seen_dropped
            if overflowed:
                self.overflows += sub.dropped - seen_dropped
                seen_dropped = sub.dropped
                log.error(
                    "recorder %s fell behind: %d packets refused (recorded as a gap)",
                    self.key,
                    self.overflows,
                )
            await asyncio.to_thread(_write, segmenter, batch, overflowed)


def _write(segmenter: Segmenter, batch: list[EncodedPacket], overflowed: bool) -> None:
    if overflowed:
        segmenter.interrupt("recorder overflow")
    for packet in batch:
        segmenter.feed(packet)


class Recorder:
    """Owns a StreamRecorder for every stream that should be recorded (`apply(keys)`)."""

    def __init__(
        self,
        bus: FrameBus,
        store: RecordingStore,
        config: RecordingConfig,
        offline_reason: Callable[[StreamKey], str | None] = lambda _key: None,
    ) -> None:
        self.bus = bus
        self.store = store
        self.config = config
        self.offline_reason = offline_reason
        self.streams: dict[StreamKey, StreamRecorder] = {}

    async def apply(self, keys: Iterable[StreamKey]) -> None:
        """Record exactly `keys`: start the new ones, stop (closing their segment) the others."""
        wanted = set(keys)
        gone = [self.streams.pop(k) for k in list(self.streams) if k not in wanted]
        await asyncio.gather(*(rec.stop() for rec in gone))
        for key in sorted(wanted - set(self.streams), key=str):
            rec = StreamRecorder(key, self.bus, self.store, self.config, self.offline_reason)
            self.streams[key] = rec
            rec.start()

    async def stop(self) -> None:
        await self.apply(())

    def current_gap(self, key: StreamKey) -> Interval | None:
        rec = self.streams.get(key)
        return rec.current_gap() if rec is not None else None

    @property
    def disk_full(self) -> list[StreamKey]:
        """Streams whose last write failed (disk full)."""
        return [
            k for k, r in self.streams.items() if r.segmenter is not None and r.segmenter.disk_full
        ]
