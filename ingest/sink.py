"""Where one stream's pulled packets, stream info and states land on the event loop: its frame
bus channel and its health entry. The same for a worker in this process and for a stream
pulled in a shard process, so both keep the same rules."""

from __future__ import annotations

from ingest.frame_bus import Channel
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamInfo, StreamKey

# states in which the cached picture is stale: a new viewer or snapshot must not start on it
_RESETS = (StreamState.OFFLINE, StreamState.ERROR, StreamState.STALLED)


class StreamSink:
    """One stream's channel and health entry; call on the loop thread only."""

    def __init__(self, key: StreamKey, channel: Channel, health: HealthRegistry) -> None:
        self.key = key
        self._channel = channel
        self._health = health

    def packet(self, packet: EncodedPacket) -> None:
        self._channel.publish(packet)
        self._health.entry(self.key).record(packet)

    def info(self, info: StreamInfo) -> None:
        self._channel.set_info(info)
        self._health.entry(self.key).apply_info(info)

    def state(self, state: StreamState, reason: str | None) -> None:
        if state in _RESETS:
            self._channel.reset()
        self._health.set_state(self.key, state, reason)

    def reconnect(self) -> None:
        self._health.entry(self.key).reconnects += 1
