"""One camera stream (camera N, main or sub) as the simulator plays it.

The stream owns its encoded loop, already split into RTP payloads, its RTP identity (SSRC,
sequence numbers, a timestamp that follows the ticker's frame clock across loops, stalls and
resolution changes) and the sessions playing it. The ticker calls `tick()` once per frame.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from camsim.encoder import EncodedLoop
from camsim.rtp import CLOCK_RATE, interleave, packetize, rtp_packets, sender_report
from camsim.session import Session


@dataclass(frozen=True, slots=True)
class PreparedLoop:
    """An encoded loop with every frame pre-split into RTP payloads."""

    loop: EncodedLoop
    payloads: tuple[tuple[bytes, ...], ...]

    @classmethod
    def from_loop(cls, loop: EncodedLoop) -> PreparedLoop:
        """Packetize every frame once (blocking, cheap)."""
        return cls(loop, tuple(packetize(frame) for frame in loop.frames))

    @property
    def width(self) -> int:
        return self.loop.params.width

    @property
    def height(self) -> int:
        return self.loop.params.height


class StreamSource:
    """Plays one pre-encoded loop to its sessions, one frame per tick."""

    def __init__(self, camera: int, kind: str, prepared: PreparedLoop, fps: int) -> None:
        self.camera = camera
        self.kind = kind
        self.fps = fps
        self.prepared = prepared
        self.pending: PreparedLoop | None = None
        self.sessions: set[Session] = set()
        self.ssrc = secrets.randbits(32)
        self.seq = secrets.randbits(16)
        self.ts_base = secrets.randbits(32)
        # Cameras start at different points of their loops so their keyframes do not align.
        self.offset = (camera * 7) % len(prepared.payloads)
        self.sent_at: list[float | None] = [None] * len(prepared.payloads)
        self.packets_sent = 0
        self.octets_sent = 0
        self.frames_skipped = 0
        self.clients_dropped = 0
        self._last_report = 0.0

    def timestamp(self, tick: int) -> int:
        """RTP timestamp of the frame sent at `tick` of the frame clock (90 kHz)."""
        return (self.ts_base + tick * CLOCK_RATE // self.fps) & 0xFFFFFFFF

    def index_at(self, tick: int) -> int:
        """Loop frame index shown at `tick`."""
        return (tick + self.offset) % len(self.prepared.payloads)

    def switch_to(self, prepared: PreparedLoop) -> None:
        """Play `prepared` from its first (key)frame at the next tick."""
        self.pending = prepared

    def tick(
        self,
        tick: int,
        wall: float,
        stalled: bool,
        backlog_limit: int,
        max_skips: int,
        report_interval: float,
    ) -> None:
        """Send the frame due at `tick` to every playing session (unless stalled)."""
        if self.pending is not None:
            self.prepared, self.pending = self.pending, None
            self.offset = -tick % len(self.prepared.payloads)
            self.sent_at = [None] * len(self.prepared.payloads)
        if stalled:
            return
        index = self.index_at(tick)
        self.sent_at[index] = wall
        if not self.sessions:
            return
        payloads = self.prepared.payloads[index]
        keyframe = self.prepared.loop.keyframes[index]
        timestamp = self.timestamp(tick)
        packets = rtp_packets(payloads, self.seq, timestamp, self.ssrc)
        blobs: dict[int, bytes] = {}

        def blob(channel: int) -> bytes:
            if channel not in blobs:
                blobs[channel] = interleave(packets, channel)
            return blobs[channel]

        sent_to_any = False
        for session in list(self.sessions):
            if session.sink.closed():
                self.sessions.discard(session)
                continue
            if session.deliver(packets, blob, keyframe, backlog_limit):
                sent_to_any = sent_to_any or not session.waiting_keyframe
                continue
            self.frames_skipped += 1
            if session.skipped_in_row >= max_skips:
                self.clients_dropped += 1
                self.sessions.discard(session)
                session.hangup()
        if sent_to_any:
            self.seq = (self.seq + len(packets)) & 0xFFFF
            self.packets_sent += len(packets)
            self.octets_sent += sum(len(p) - 12 for p in packets)
        if wall - self._last_report >= report_interval:
            self._last_report = wall
            self._send_reports(timestamp)

    def _send_reports(self, timestamp: int) -> None:
        report = sender_report(self.ssrc, timestamp, self.packets_sent, self.octets_sent)
        for session in self.sessions:
            if not session.waiting_keyframe:
                session.sink.send_rtcp(report)
