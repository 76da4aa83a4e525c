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
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial

from ingest.frame_bus import FrameBus, Subscription, SubscriptionClosed
from ingest.packet import EncodedPacket, StreamKey
from vms.recording.config import RecordingConfig
from vms.recording.segmenter import Segmenter
from vms.recording.store import Interval, RecordingStore

log = logging.getLogger(__name__)

RESUBSCRIBE_S = 1.0
BATCH_S = 0.25  # packets are handed to the writer thread in batches of this long


class StreamRecorder:
    """Records one stream from `start()` until `stop()`."""

    def __init__(
        self,
        key: StreamKey,
        bus: FrameBus,
        store: RecordingStore,
        config: RecordingConfig,
        offline_reason: Callable[[StreamKey], str | None],
        *,
        continuous: bool = True,
    ) -> None:
        self.key = key
        self.continuous = continuous
        self.bus = bus
        self.store = store
        self.config = config
        self.offline_reason = offline_reason
        self.segmenter: Segmenter | None = None
        self.overflows = 0
        self.packets = 0
        self._task: asyncio.Task[None] | None = None
        self._sub: Subscription | None = None
        # the segmenter's current job on a worker thread; it runs to its end even when the
        # task is cancelled, and nothing else touches the segmenter meanwhile
        self._job: asyncio.Future[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"recorder-{self.key}"
        )

    async def stop(self) -> None:
        """Stop, writing what is already queued, and close the segment."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._job is not None:
            await asyncio.gather(self._job, return_exceptions=True)
        sub, self._sub = self._sub, None
        left = sub.drain() if sub is not None else []
        if sub is not None:
            sub.close()
        if self.segmenter is not None:
            await asyncio.to_thread(_finish, self.segmenter, left)

    async def _in_thread(self, fn: Callable[..., None], *args: object) -> None:
        self._job = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        await asyncio.shield(self._job)

    def current_gap(self) -> Interval | None:
        """The gap this stream is in now (not yet in the index), if any."""
        seg = self.segmenter
        if seg is None or seg.current is not None or seg.last_end is None:
            return None
        return Interval(seg.last_end, datetime.now(UTC), seg.pending_reason or "not recording")

    async def _run(self) -> None:
        key = self.key
        self.segmenter = await asyncio.to_thread(
            partial(Segmenter, continuous=self.continuous),
            self.store,
            key.camera_id,
            key.stream,
            self.config,
        )
        while True:
            sub = self.bus.channel(key).subscribe(
                self.config.queue_packets, from_gop=True, lossless=True
            )
            self._sub = sub
            try:
                await self._consume(sub, self.segmenter)
            except SubscriptionClosed:
                await self._in_thread(self.segmenter.interrupt, "stream restarted")
            sub.close()
            self._sub = None
            await asyncio.sleep(RESUBSCRIBE_S)

    async def _consume(self, sub: Subscription, segmenter: Segmenter) -> None:
        seen_dropped = 0
        while True:
            try:
                first = await asyncio.wait_for(sub.get(), self.config.idle_close_s)
            except TimeoutError:
                if segmenter.current is not None:
                    reason = self.offline_reason(self.key) or "no video from the camera"
                    await self._in_thread(segmenter.interrupt, f"camera offline: {reason}")
                continue
            await asyncio.sleep(BATCH_S)  # one thread hop for several pictures
            batch = [first, *sub.drain()]
            self.packets += len(batch)
            # what it skipped to reach its first keyframe (joining mid-GOP, nothing cached) was
            # never its to lose: only refusals after that are an overflow
            refused = sub.dropped - sub.joined_mid_gop
            overflowed = refused > seen_dropped
            if overflowed:
                self.overflows += refused - seen_dropped
                seen_dropped = refused
                log.error(
                    "recorder %s fell behind: %d packets refused (recorded as a gap)",
                    self.key,
                    self.overflows,
                )
            resumes = sub.take_resumes()
            await self._in_thread(_write, segmenter, batch, resumes)


def _write(segmenter: Segmenter, batch: list[EncodedPacket], resumes: set[int]) -> None:
    """Feed the batch; the hole an overflow left is cut exactly where it is: before the
    packet the subscription took up again with, the segment closes and the time up to it
    is a `recorder overflow` gap."""
    for packet in batch:
        if id(packet) in resumes:
            segmenter.interrupt("recorder overflow")
        segmenter.feed(packet)


def _finish(segmenter: Segmenter, left: list[EncodedPacket]) -> None:
    for packet in left:
        segmenter.feed(packet)
    segmenter.close()


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
        self.continuous: set[StreamKey] = set()
        self.events: dict[StreamKey, float] = {}  # event recordings: until (time.monotonic)

    async def apply(self, keys: Iterable[StreamKey]) -> None:
        """Record exactly `keys` continuously (plus the event recordings still running)."""
        self.continuous = set(keys)
        await self._reconcile()

    async def trigger(self, key: StreamKey, post_roll_s: float) -> None:
        """An event: record `key` from the cached GOP (the pre-roll) until `post_roll_s` from
        now (a later trigger extends it)."""
        until = time.monotonic() + post_roll_s
        self.events[key] = max(until, self.events.get(key, 0.0))
        await self._reconcile()

    async def expire_events(self) -> None:
        """End the event recordings whose post-roll is over."""
        now = time.monotonic()
        for key in [k for k, until in self.events.items() if until <= now]:
            del self.events[key]
        await self._reconcile()

    async def _reconcile(self) -> None:
        wanted = self.continuous | set(self.events)
        gone = [
            self.streams.pop(k)
            for k, rec in list(self.streams.items())
            if k not in wanted or rec.continuous != (k in self.continuous)
        ]
        await asyncio.gather(*(rec.stop() for rec in gone))
        for key in sorted(wanted - set(self.streams), key=str):
            rec = StreamRecorder(
                key,
                self.bus,
                self.store,
                self.config,
                self.offline_reason,
                continuous=key in self.continuous,
            )
            self.streams[key] = rec
            rec.start()

    async def stop(self) -> None:
        self.continuous, self.events = set(), {}
        await self._reconcile()

    def current_gap(self, key: StreamKey) -> Interval | None:
        rec = self.streams.get(key)
        return rec.current_gap() if rec is not None else None

    def open_segment_ids(self) -> set[int]:
        """The segments being written here now (read from the loop while a worker thread may
        be opening or closing one: a segment just opened is young, so nobody takes it for a
        crash's leftover)."""
        return {
            r.segmenter.current.id
            for r in self.streams.values()
            if r.segmenter is not None and r.segmenter.current is not None
        }

    @property
    def disk_full(self) -> list[StreamKey]:
        """Streams whose last write failed (disk full)."""
        return [
            k for k, r in self.streams.items() if r.segmenter is not None and r.segmenter.disk_full
        ]
