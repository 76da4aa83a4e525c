"""Health of every camera stream: state, the reason a person can act on, and live figures.

Updated on the event loop thread only (workers post to it), read by the status API, the
camera listings and the metrics. A state change calls the registry's listener, which the
server wires to the event bus topic "camera.state".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ingest.packet import EncodedPacket, StreamInfo, StreamKey

_RATE_WINDOW_S = 2.0


class StreamState(StrEnum):
    """Where a stream is: pulled and fine, or why not."""

    IDLE = "idle"  # on-demand stream with nobody watching: not pulled, not a fault
    STARTING = "starting"
    ONLINE = "online"
    STALLED = "stalled"
    OFFLINE = "offline"  # network: refused, unreachable, timed out; retried with backoff
    ERROR = "error"  # needs a person: bad credentials, not a video stream; still retried


@dataclass(slots=True)
class StreamHealth:
    """What we know about one stream now. `to_dict()` is its JSON form."""

    key: StreamKey
    state: StreamState = StreamState.IDLE
    reason: str | None = None
    since: float = field(default_factory=time.time)
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    b_frames: bool = False  # the relay converts such a stream for browsers (docs/relay.md)
    fps: float | None = None
    bitrate_bps: float | None = None
    last_keyframe: float | None = None  # time.monotonic()
    last_packet: float | None = None  # time.monotonic()
    reconnects: int = 0
    packets: int = 0
    bytes: int = 0
    handoff_drops: int = 0
    _mark_t: float = 0.0
    _mark_packets: int = 0
    _mark_bytes: int = 0

    def record(self, packet: EncodedPacket) -> None:
        """Count one packet handed to the bus; refresh fps and bitrate every couple of seconds."""
        self.packets += 1
        self.bytes += len(packet.data)
        now = packet.received
        self.last_packet = now
        if packet.is_keyframe:
            self.last_keyframe = now
        elapsed = now - self._mark_t
        if elapsed >= _RATE_WINDOW_S:
            if self._mark_t:
                self.fps = round((self.packets - self._mark_packets) / elapsed, 2)
                self.bitrate_bps = round((self.bytes - self._mark_bytes) * 8 / elapsed)
            self._mark_t, self._mark_packets, self._mark_bytes = now, self.packets, self.bytes

    def apply_info(self, info: StreamInfo) -> None:
        self.codec, self.width, self.height = info.codec, info.width, info.height
        self.b_frames = info.reordered

    def to_dict(self) -> dict[str, Any]:
        now = time.monotonic()
        online = self.state == StreamState.ONLINE
        return {
            "camera_id": self.key.camera_id,
            "stream": self.key.stream,
            "state": self.state.value,
            "reason": self.reason,
            "since": self.since,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
            "b_frames": self.b_frames,
            "fps": self.fps if online else None,
            "bitrate_bps": self.bitrate_bps if online else None,
            "keyframe_age_s": (
                round(now - self.last_keyframe, 3) if self.last_keyframe is not None else None
            ),
            "reconnects": self.reconnects,
            "packets": self.packets,
            "bytes": self.bytes,
        }


StateListener = Callable[[StreamHealth], None]


class HealthRegistry:
    """The StreamHealth of every stream ingest knows, keyed by StreamKey."""

    def __init__(self, on_change: StateListener | None = None) -> None:
        self._entries: dict[StreamKey, StreamHealth] = {}
        self._listeners: list[StateListener] = [on_change] if on_change else []
        self._removal_listeners: list[Callable[[StreamKey], None]] = []

    def add_listener(self, listener: StateListener) -> None:
        """Call `listener(health)` on every state change."""
        self._listeners.append(listener)

    def add_removal_listener(self, listener: Callable[[StreamKey], None]) -> None:
        """Call `listener(key)` when a stream stops being pulled here (removed from ingest)."""
        self._removal_listeners.append(listener)

    def get(self, key: StreamKey) -> StreamHealth | None:
        return self._entries.get(key)

    def all(self) -> list[StreamHealth]:
        return list(self._entries.values())

    def entry(self, key: StreamKey) -> StreamHealth:
        """The entry of `key`, created (state idle: not pulled yet) if new."""
        h = self._entries.get(key)
        if h is None:
            h = self._entries[key] = StreamHealth(key)
        return h

    def remove(self, key: StreamKey) -> None:
        if self._entries.pop(key, None) is not None:
            for listener in tuple(self._removal_listeners):
                listener(key)

    def set_state(self, key: StreamKey, state: StreamState, reason: str | None = None) -> None:
        """Move `key` to `state`; listeners hear of real changes (state or reason) only."""
        h = self.entry(key)
        if h.state == state and h.reason == reason:
            return
        h.state, h.reason, h.since = state, reason, time.time()
        if state != StreamState.ONLINE:
            h.fps = h.bitrate_bps = None
            h._mark_t = 0.0
        for listener in tuple(self._listeners):
            listener(h)
