"""The frame bus: one channel per camera stream fanning encoded packets out to subscribers.

A channel keeps the latest GOP so that a new subscriber starts at once from a keyframe. Each
subscriber has a bounded queue: one that falls behind drops what it has queued and skips to the
next keyframe (the drop is counted), so it never slows the camera or the other subscribers.
The cached GOP a new subscriber starts with is held apart from that queue (its backlog): a GOP
longer than the queue (10 s "smart codec" GOPs) does not overflow it. The backlog shares the
packets of the cache, which `gop_cache_max_packets` bounds (600 by default: 20 s at 30 fps).
A `lossless` subscriber (the recorder) keeps everything it has queued instead: only when its
(large) queue is full are new packets refused, up to the next keyframe, and counted in
`dropped`, which the subscriber reports as a gap rather than losing packets silently.

Everything here runs on the event loop thread; ingest workers hand packets over with
`loop.call_soon_threadsafe(channel.publish, packet)`. A Redis-backed bus for several processes
can implement the same small surface (channel, get, subscribe, publish).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator

from ingest.packet import EncodedPacket, StreamInfo, StreamKey

SubscribersChanged = Callable[[StreamKey, int], None]


class SubscriptionClosed(Exception):
    """The channel or the subscription was closed; no more packets will come."""


class Subscription:
    """One consumer's bounded view of a channel. Iterate it, or `await get()` packets."""

    def __init__(self, channel: Channel, maxsize: int, *, lossless: bool = False) -> None:
        self.channel = channel
        self.maxsize = maxsize
        self.lossless = lossless
        self.dropped = 0
        # of those, skipped before its first keyframe (it joined mid-GOP with nothing cached):
        # never delivered, so not a loss to a lossless subscriber
        self.joined_mid_gop = 0
        self._started = False
        # lossless only: the packets (by id) it took up again with after refusing some, where
        # its hole ends (`take_resumes`)
        self._resumes: set[int] = set()
        self.closed = False
        self._queue: deque[EncodedPacket] = deque()
        self._backlog: deque[EncodedPacket] = deque()  # the cached GOP, read before the queue
        self._ready = asyncio.Event()
        self._await_keyframe = True

    def start_from(self, gop: list[EncodedPacket]) -> None:
        """Begin with the cached `gop` (keyframe first), outside the live queue's limit."""
        if gop and gop[0].is_keyframe and not self.closed:
            self._backlog.extend(gop)
            self._await_keyframe = False
            self._started = True
            self._ready.set()

    def offer(self, packet: EncodedPacket) -> None:
        """Queue a packet, or drop it (and what is queued) if this subscriber has fallen behind."""
        if self.closed:
            return
        if self._await_keyframe:
            if not packet.is_keyframe:
                self._count_drop(1)
                if not self._started:
                    self.joined_mid_gop += 1
                return
            self._await_keyframe = False
            if self._started and self.lossless:  # (a live viewer never asks: not kept)
                self._resumes.add(id(packet))
            self._started = True
        if len(self._queue) >= self.maxsize and self.lossless:
            self._count_drop(1)  # keep what is queued; resume at the next keyframe
            self._await_keyframe = True
            return
        if len(self._queue) >= self.maxsize:
            self._count_drop(len(self._queue) + len(self._backlog))
            self._queue.clear()
            self._backlog.clear()
            if not packet.is_keyframe:
                self._count_drop(1)
                self._await_keyframe = True
                return
        self._queue.append(packet)
        self._ready.set()

    def take_resumes(self) -> set[int]:
        """The ids of the queued packets that begin again after a hole (each told once)."""
        resumes, self._resumes = self._resumes, set()
        return resumes

    def _count_drop(self, n: int) -> None:
        if n:
            self.dropped += n
            self.channel.dropped_total += n

    def __len__(self) -> int:
        return len(self._backlog) + len(self._queue)

    def get_nowait(self) -> EncodedPacket | None:
        """The next queued packet, or None if nothing is queued."""
        if self._backlog:
            return self._backlog.popleft()
        if self._queue:
            return self._queue.popleft()
        if self.closed:
            raise SubscriptionClosed(str(self.channel.key))
        return None

    def drain(self) -> list[EncodedPacket]:
        """Everything queued now, oldest first."""
        items = [*self._backlog, *self._queue]
        self._backlog.clear()
        self._queue.clear()
        return items

    async def get(self) -> EncodedPacket:
        """Wait for the next packet. Raises SubscriptionClosed when the subscription ends."""
        while not self._queue and not self._backlog:
            if self.closed:
                raise SubscriptionClosed(str(self.channel.key))
            self._ready.clear()
            await self._ready.wait()
        return self._backlog.popleft() if self._backlog else self._queue.popleft()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> EncodedPacket:
        try:
            return await self.get()
        except SubscriptionClosed:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Stop receiving; wakes a pending `get()`. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self._queue.clear()
        self._backlog.clear()
        self._ready.set()
        self.channel._remove(self)


class Channel:
    """The fan-out point of one camera stream, with the latest-GOP cache."""

    def __init__(self, key: StreamKey, bus: FrameBus) -> None:
        self.key = key
        self.info: StreamInfo | None = None
        self.packets_total = 0
        self.bytes_total = 0
        self.dropped_total = 0
        self._bus = bus
        self._gop: list[EncodedPacket] = []
        self._subscribers: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def gop(self) -> list[EncodedPacket]:
        """The cached packets from the latest keyframe on (empty before the first keyframe)."""
        return list(self._gop)

    def set_info(self, info: StreamInfo) -> None:
        """Record new stream parameters; a change of codec or size empties the GOP cache."""
        if self.info is not None and (
            (info.codec, info.width, info.height)
            != (self.info.codec, self.info.width, self.info.height)
        ):
            self._gop.clear()
        self.info = info

    def publish(self, packet: EncodedPacket) -> None:
        """Hand one packet to every subscriber and update the GOP cache."""
        self.packets_total += 1
        self.bytes_total += len(packet.data)
        if packet.is_keyframe:
            self._gop = [packet]
        elif self._gop:
            if len(self._gop) < self._bus.gop_cache_max_packets:
                self._gop.append(packet)
            else:  # a keyframe is long overdue; stop caching rather than grow without bound
                self._gop.clear()
        for sub in tuple(self._subscribers):
            sub.offer(packet)

    def subscribe(
        self, maxsize: int | None = None, *, from_gop: bool = True, lossless: bool = False
    ) -> Subscription:
        """A new subscriber; with `from_gop` it first gets the cached GOP, so it starts now;
        `lossless`: it is never skipped ahead, only refused (and counted) when full."""
        sub = Subscription(self, maxsize or self._bus.subscriber_queue_packets, lossless=lossless)
        if from_gop:
            sub.start_from(self._gop)
        self._subscribers.add(sub)
        self._bus._notify(self.key, len(self._subscribers))
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.discard(sub)
            self._bus._notify(self.key, len(self._subscribers))

    def reset(self) -> None:
        """Forget the GOP cache (the stream restarted with new parameters)."""
        self._gop.clear()

    def close(self) -> None:
        """End every subscription; used when the camera is retired or the server stops."""
        for sub in tuple(self._subscribers):
            sub.close()
        self._gop.clear()


class FrameBus:
    """All channels of this process, created on first use and keyed by `StreamKey`."""

    def __init__(
        self, *, subscriber_queue_packets: int = 120, gop_cache_max_packets: int = 600
    ) -> None:
        self.subscriber_queue_packets = subscriber_queue_packets
        self.gop_cache_max_packets = gop_cache_max_packets
        self._channels: dict[StreamKey, Channel] = {}
        self._listeners: list[SubscribersChanged] = []

    def channel(self, key: StreamKey) -> Channel:
        """The channel of `key`, created if it does not exist yet."""
        ch = self._channels.get(key)
        if ch is None:
            ch = self._channels[key] = Channel(key, self)
        return ch

    def get(self, key: StreamKey) -> Channel | None:
        return self._channels.get(key)

    def __iter__(self) -> Iterator[Channel]:
        return iter(tuple(self._channels.values()))

    def remove(self, key: StreamKey) -> None:
        """Close and forget a channel."""
        ch = self._channels.pop(key, None)
        if ch is not None:
            ch.close()

    def on_subscribers_changed(self, listener: SubscribersChanged) -> None:
        """Call `listener(key, count)` whenever a channel gains or loses a subscriber."""
        self._listeners.append(listener)

    def _notify(self, key: StreamKey, count: int) -> None:
        for listener in self._listeners:
            listener(key, count)
