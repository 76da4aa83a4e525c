"""StreamSink (ingest/sink.py): what in-process workers and shard streams both do on the loop."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamKey
from ingest.sink import StreamSink

KEY = StreamKey(3, "sub")


def keyframe() -> EncodedPacket:
    return EncodedPacket(
        data=b"\x00\x00\x00\x01\x65\x00",
        pts=0,
        time_base=Fraction(1, 15),
        is_keyframe=True,
        codec="h264",
        received=time.monotonic(),
        wallclock=time.time(),
    )


@pytest.mark.parametrize(
    ("state", "keeps_picture"),
    [
        (StreamState.ONLINE, True),
        (StreamState.STARTING, True),
        (StreamState.OFFLINE, False),
        (StreamState.STALLED, False),
        (StreamState.ERROR, False),
    ],
)
def test_states_that_make_the_picture_stale_forget_it(
    state: StreamState, keeps_picture: bool
) -> None:
    bus, health = FrameBus(), HealthRegistry()
    sink = StreamSink(KEY, bus.channel(KEY), health)
    sink.packet(keyframe())
    assert len(bus.channel(KEY).gop) == 1 and health.entry(KEY).packets == 1
    sink.state(state, "why")
    assert bool(bus.channel(KEY).gop) is keeps_picture
    got = health.get(KEY)
    assert got is not None and got.state == state


def test_reconnects_are_counted() -> None:
    health = HealthRegistry()
    sink = StreamSink(KEY, FrameBus().channel(KEY), health)
    sink.reconnect()
    sink.reconnect()
    assert health.entry(KEY).reconnects == 2
