"""BusTrack (relay/track.py): instant-start timestamps and keyframe requests from the cache."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from fractions import Fraction

import httpx

from ingest.frame_bus import FrameBus
from ingest.packet import EncodedPacket, StreamKey
from relay.track import RTP_CLOCK, BusTrack
from tests.relay.harness import Publisher, ServerThread, encode_packets
from tests.relay.whep_client import WhepClient

STEP = RTP_CLOCK // 15


def packet(i: int, key: bool, received: float) -> EncodedPacket:
    return EncodedPacket(
        data=b"\x00\x00\x00\x01" + bytes([0x65 if key else 0x41, i]),
        pts=i,
        time_base=Fraction(1, 15),
        is_keyframe=key,
        codec="h264",
        received=received,
        wallclock=time.time(),
    )


async def test_cached_gop_is_sent_at_once_then_live_at_the_camera_pace() -> None:
    channel = FrameBus().channel(StreamKey(1, "sub"))
    now = time.monotonic()
    for i in range(10):
        channel.publish(packet(i, i == 0, now - (10 - i) / 15))
    track = BusTrack(channel)
    first = [await track.recv() for _ in range(10)]
    assert bytes(first[0])[4] == 0x65  # starts at the keyframe
    assert [b.pts - a.pts for a, b in itertools.pairwise(first)] == [1] * 9
    channel.publish(packet(10, False, time.monotonic()))
    live = await track.recv()
    # one frame step, less the age of the last cached frame: due now, not 10 frames late
    assert 1 <= live.pts - first[-1].pts <= STEP
    channel.publish(packet(11, False, time.monotonic()))
    assert (await track.recv()).pts - live.pts == STEP
    track.stop()
    assert channel.subscriber_count == 0


async def test_keyframe_request_replays_the_cached_gop_once_per_interval() -> None:
    channel = FrameBus().channel(StreamKey(1, "sub"))
    now = time.monotonic()
    for i in range(5):
        channel.publish(packet(i, i == 0, now))
    track = BusTrack(channel)
    sent = [await track.recv() for _ in range(5)]
    track.request_keyframe()
    track.request_keyframe()  # within the interval: ignored
    assert track.keyframe_replays == 1
    replay = [await track.recv() for _ in range(5)]
    assert [bytes(p) for p in replay] == [bytes(p) for p in sent]
    assert replay[0].pts > sent[-1].pts  # timestamps keep rising through the replay
    channel.publish(packet(5, False, time.monotonic()))
    assert bytes(await track.recv())[5] == 5
    track.stop()


async def test_pli_from_a_viewer_is_answered_from_the_cache(
    server: ServerThread,
) -> None:
    # one keyframe per 8 s: any keyframe the viewer sees soon after its PLI came from the cache
    packets = encode_packets(120, gop=120)
    pub = Publisher(server, StreamKey(3, "sub"), packets).start()
    try:
        pub.wait_sent(2)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            client = WhepClient(f"{server.url}/api/v1/cameras/3/whep", http)
            await client.start()
            frames = [await client.frame() for _ in range(4)]
            assert frames[0].key_frame
            ssrc = int(re.findall(r"a=ssrc:(\d+)", client.answer or "")[0])
            receiver = client.pc.getTransceivers()[0].receiver
            published_before = server.call(lambda: pub.channel.packets_total)
            await receiver._send_rtcp_pli(ssrc)
            keyed = False
            # the cached GOP it started with may still be queued at the client (a loaded
            # machine lets it grow): the replayed keyframe comes after it, the camera's at 120
            for _ in range(110):
                if (await client.frame()).key_frame:
                    keyed = True
                    break
            assert keyed, "no keyframe reached the viewer after its PLI"
            session = server.call(lambda: next(iter(server.services.relay._sessions.values())))
            assert session.track.keyframe_replays == 1
            published = server.call(lambda: pub.channel.packets_total) - published_before
            assert pub.sent < 100 and published < 60  # the camera's own keyframe is not due yet
            assert server.call(lambda: server.services.relay.stats().keyframe_replays_total) == 1
            await client.stop()
    finally:
        pub.stop()
    await asyncio.sleep(0)
