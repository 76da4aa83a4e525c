"""The shard framing: every message survives the trip, and garbage is refused."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ingest import shard_wire as wire
from ingest.health import StreamState
from ingest.packet import EncodedPacket, StreamInfo, StreamKey
from ingest.spec import StreamSpec


def body_of(message: bytes) -> tuple[wire.Kind, memoryview]:
    assert wire.read_length(message[:4]) == len(message) - 4
    return wire.split(message[4:])


def test_packet_round_trip() -> None:
    packet = EncodedPacket(
        b"\x00\x00\x00\x01\x65" + bytes(range(256)) * 40,
        123_456_789_012,
        Fraction(1, 90_000),
        True,
        "h264",
        1234.5,
        1.7e9,
    )
    kind, body = body_of(wire.encode_packet(7, packet))
    assert kind == wire.Kind.PACKET
    assert wire.decode_packet(body) == (7, packet)


def test_control_round_trips() -> None:
    info = StreamInfo("h264", 1280, 720, 15.0, b"\x00\x00\x00\x01\x67", "High")
    assert wire.decode_info(body_of(wire.encode_info(3, info))[1]) == (3, info)
    state = wire.encode_state(4, StreamState.ERROR, "wrong user name or password")
    assert wire.decode_state(body_of(state)[1]) == (
        4,
        StreamState.ERROR,
        "wrong user name or password",
    )
    spec = StreamSpec(StreamKey(9, "sub"), "rtsp://h/s", "u", "p@ss", "udp", "on_demand")
    assert wire.decode_start(body_of(wire.encode_start(5, spec))[1]) == (5, spec)
    assert wire.decode_id(body_of(wire.encode_id(wire.Kind.DONE, 6))[1]) == 6
    assert wire.decode_stats(body_of(wire.encode_stats(11))[1]) == 11


def test_refuses_garbage() -> None:
    with pytest.raises(wire.WireError):
        wire.read_length(b"\xff\xff\xff\xff")
    with pytest.raises(wire.WireError):
        wire.read_length(b"\x00\x00\x00\x00")
    with pytest.raises(wire.WireError):
        wire.split(b"\xee")
