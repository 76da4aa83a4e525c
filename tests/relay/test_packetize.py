"""Shared packetization (relay/packetize.py): same payloads as aiortc, made once per picture."""

from __future__ import annotations

import time
from fractions import Fraction

import av
from aiortc.codecs.h264 import H264Encoder

from ingest.frame_bus import FrameBus
from ingest.packet import EncodedPacket, StreamKey
from relay.packetize import PayloadCache, SharedPacker
from relay.track import RTP_TIME_BASE, BusTrack
from tests.relay.harness import encode_packets


def bus_packets(n: int) -> list[EncodedPacket]:
    coded = encode_packets(n, width=640, height=360)
    return [
        EncodedPacket(data, i, Fraction(1, 15), key, "h264", time.monotonic(), time.time())
        for i, (data, key) in enumerate(coded)
    ]


def test_payloads_match_aiortc_packetization_and_are_made_once() -> None:
    cache = PayloadCache(size=8)
    packets = bus_packets(10)
    for packet in packets:
        reference = av.Packet(packet.data)
        reference.pts, reference.time_base = 0, RTP_TIME_BASE
        expected, _ = H264Encoder().pack(reference)
        assert cache.payloads(packet) == expected
        assert cache.payloads(packet) is cache.payloads(packet)  # shared, not rebuilt
    assert (cache.misses, cache.hits) == (10, 20)
    cache.payloads(packets[0])  # evicted: bounded at 8, so packed again
    assert cache.misses == 11


async def test_viewers_of_one_stream_share_payloads_with_their_own_timestamps() -> None:
    channel = FrameBus().channel(StreamKey(1, "sub"))
    cache = PayloadCache()
    packets = bus_packets(4)
    channel.publish(packets[0])
    tracks = [BusTrack(channel, payloads=cache), BusTrack(channel, payloads=cache)]
    packer = SharedPacker()
    first = [packer.pack(await t.recv()) for t in tracks]
    assert first[0][0] is first[1][0]
    for packet in packets[1:]:
        channel.publish(packet)
    later = [[packer.pack(await t.recv()) for _ in range(3)] for t in tracks]
    assert [p for p, _ in later[0]] == [p for p, _ in later[1]]
    assert all(a is b for (a, _), (b, _) in zip(later[0], later[1], strict=True))
    timestamps = [ts for _, ts in later[0]]
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == 3
    assert cache.misses == 4  # each picture packetized once for both viewers
    for t in tracks:
        t.stop()
