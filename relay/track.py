"""A video track fed from a frame-bus channel: the camera's H.264 packets, never re-encoded.

`recv()` returns a `RelayPacket` (the camera's picture, packetized once for all viewers, see
relay/packetize.py) that the sender sends without encoding, with the RTP timestamp taken from
its pts. That pts is where instant start happens:

* catch-up: the cached GOP (keyframe first) is sent at once with timestamps one 90 kHz tick
  apart, so the receiver's jitter buffer sees frames that are all due now and shows the newest
  picture at once instead of replaying seconds of old video in real time;
* live: afterwards each frame advances by the camera's own pts step, less the age of the last
  catch-up frame for the first live one, so the live timeline lines up with arrival times;
* keyframe requests (PLI/FIR) replay the cached GOP the same way; the camera is never asked.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from fractions import Fraction

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ingest.frame_bus import Channel, Subscription, SubscriptionClosed
from ingest.packet import EncodedPacket
from relay.packetize import PayloadCache, RelayPacket

RTP_CLOCK = 90_000
RTP_TIME_BASE = Fraction(1, RTP_CLOCK)
MAX_STEP = 5 * RTP_CLOCK  # a pts jump larger than this is a discontinuity, not a frame step
DEFAULT_FRAME_STEP = RTP_CLOCK // 15

PacketSent = Callable[[EncodedPacket], None]


class BusTrack(MediaStreamTrack):
    """One viewer's video track; starts from the cached GOP and answers PLI from the cache."""

    kind = "video"

    def __init__(
        self,
        channel: Channel,
        *,
        queue_packets: int | None = None,
        keyframe_interval_s: float = 0.5,
        on_sent: PacketSent | None = None,
        payloads: PayloadCache | None = None,
    ) -> None:
        super().__init__()
        self.channel = channel
        self._payloads = payloads or PayloadCache(size=64)
        self.keyframe_replays = 0
        self.packets_sent = 0
        self.bytes_sent = 0
        self._keyframe_interval_s = keyframe_interval_s
        self._last_replay = -1e9
        self._on_sent = on_sent
        # the GOP and the subscription are taken in one step on the loop: nothing in between
        backlog = len(channel.gop)
        self._sub: Subscription = channel.subscribe(queue_packets)
        self._catchup = backlog
        self._replay: deque[EncodedPacket] = deque()
        self._out_ts = 0
        self._last: EncodedPacket | None = None
        self._last_was_catchup = False
        self._catchup_sent_at = 0.0

    @property
    def dropped(self) -> int:
        """Packets this viewer skipped because it fell behind (counted by the bus)."""
        return self._sub.dropped

    def request_keyframe(self) -> None:
        """Answer a PLI/FIR: resend from the latest cached keyframe (at most every 0.5 s)."""
        now = time.monotonic()
        if now - self._last_replay < self._keyframe_interval_s or self.readyState != "live":
            return
        gop = self.channel.gop
        if not gop:
            return
        self._last_replay = now
        self.keyframe_replays += 1
        self._sub.drain()  # all of it is in the cached GOP too
        self._catchup = 0
        self._replay = deque(gop)

    async def recv(self) -> RelayPacket:  # type: ignore[override]
        """The next picture to send, with its RTP timestamp decided here. Its payloads are
        packetized once for all viewers (relay/packetize.py); `bytes()` gives the picture."""
        if self.readyState != "live":
            raise MediaStreamError
        catchup = True
        if not self._replay:
            catchup = self._catchup > 0
            try:
                live = await self._sub.get()
            except SubscriptionClosed:
                self.stop()
                raise MediaStreamError from None
            if self._catchup:
                self._catchup -= 1
            if self._replay:  # a keyframe request came while we waited: this one is newer
                self._replay.append(live)
                catchup = True
        packet = self._replay.popleft() if self._replay else live
        self._advance(packet, catchup)
        out = RelayPacket(packet, self._out_ts, RTP_TIME_BASE, self._payloads)
        self.packets_sent += 1
        self.bytes_sent += len(packet.data)
        if self._on_sent is not None:
            self._on_sent(packet)
        if catchup:
            await asyncio.sleep(0)  # let the loop breathe between burst frames
        return out

    def _advance(self, packet: EncodedPacket, catchup: bool) -> None:
        last = self._last
        if last is None:
            step = 0
        elif catchup:
            step = 1
        else:
            step = self._pts_step(last, packet)
            if self._last_was_catchup:
                # the receiver expects this frame one step after it got the last catch-up
                # frame; it was captured `lag` earlier than that, so take the lag off
                lag = max(0.0, self._catchup_sent_at - last.received)
                step = max(1, step - int(lag * RTP_CLOCK))
        self._out_ts += step
        self._last = packet
        self._last_was_catchup = catchup
        if catchup:
            self._catchup_sent_at = time.monotonic()

    @staticmethod
    def _pts_step(last: EncodedPacket, packet: EncodedPacket) -> int:
        tb = packet.time_base  # integer maths: Fraction arithmetic per frame shows in profiles
        step = (packet.pts - last.pts) * tb.numerator * RTP_CLOCK // tb.denominator
        if 0 < step <= MAX_STEP:
            return step
        by_arrival = int((packet.received - last.received) * RTP_CLOCK)
        return by_arrival if 0 < by_arrival <= MAX_STEP else DEFAULT_FRAME_STEP

    def stop(self) -> None:
        """End the track and leave the bus."""
        super().stop()
        self._sub.close()
        self._replay.clear()
