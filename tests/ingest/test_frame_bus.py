"""FrameBus: fan-out, GOP-cache start, slow subscribers skip to a keyframe, close."""

from __future__ import annotations

import asyncio
from fractions import Fraction

import pytest

from ingest.frame_bus import FrameBus, SubscriptionClosed
from ingest.packet import EncodedPacket, StreamInfo, StreamKey

KEY = StreamKey(7, "sub")


def pkt(n: int, key: bool = False) -> EncodedPacket:
    return EncodedPacket(bytes([n % 256]) * 10, n * 6000, Fraction(1, 90000), key, "h264", 0, 0)


def gop(start: int, length: int) -> list[EncodedPacket]:
    return [pkt(start + i, key=i == 0) for i in range(length)]


async def test_fans_out_to_every_subscriber_in_order() -> None:
    ch = FrameBus().channel(KEY)
    a, b = ch.subscribe(), ch.subscribe()
    for p in gop(0, 5):
        ch.publish(p)
    got_a = [await a.get() for _ in range(5)]
    got_b = b.drain()
    assert [p.pts for p in got_a] == [p.pts for p in got_b] == [i * 6000 for i in range(5)]
    assert ch.packets_total == 5 and ch.bytes_total == 50


async def test_new_subscriber_starts_from_the_cached_gop() -> None:
    ch = FrameBus().channel(KEY)
    for p in gop(0, 4) + gop(4, 3):
        ch.publish(p)
    late = ch.subscribe()
    got = late.drain()
    assert [p.pts // 6000 for p in got] == [4, 5, 6] and got[0].is_keyframe
    fresh = ch.subscribe(from_gop=False)
    assert fresh.drain() == []


async def test_subscriber_before_first_keyframe_waits_for_one() -> None:
    ch = FrameBus().channel(KEY)
    sub = ch.subscribe()
    ch.publish(pkt(0))
    ch.publish(pkt(1))
    ch.publish(pkt(2, key=True))
    assert [p.pts // 6000 for p in sub.drain()] == [2]
    assert sub.dropped == 2


async def test_slow_subscriber_skips_to_keyframe_and_fast_one_is_untouched() -> None:
    bus = FrameBus(subscriber_queue_packets=8)
    ch = bus.channel(KEY)
    slow, fast = ch.subscribe(), ch.subscribe()
    received: list[int] = []
    for p in gop(0, 10) + gop(10, 5):
        ch.publish(p)
        received.extend(q.pts // 6000 for q in fast.drain())  # keeps up
    assert received == list(range(15))
    assert fast.dropped == 0
    # The slow one overflowed at packet 8: it lost 0-9 and resumed at the keyframe 10.
    assert [p.pts // 6000 for p in slow.drain()] == [10, 11, 12, 13, 14]
    assert slow.dropped == 10
    assert ch.dropped_total == 10


async def test_set_info_with_new_size_resets_gop_cache() -> None:
    ch = FrameBus().channel(KEY)
    ch.set_info(StreamInfo("h264", 640, 480))
    for p in gop(0, 3):
        ch.publish(p)
    ch.set_info(StreamInfo("h264", 640, 480, fps=15.0))
    assert len(ch.gop) == 3
    ch.set_info(StreamInfo("h264", 1280, 720))
    assert ch.gop == [] and ch.info is not None and ch.info.width == 1280


async def test_close_ends_waiting_getters_and_notifies_listeners() -> None:
    bus = FrameBus()
    counts: list[tuple[StreamKey, int]] = []
    bus.on_subscribers_changed(lambda k, n: counts.append((k, n)))
    ch = bus.channel(KEY)
    sub = ch.subscribe()
    waiter = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    bus.remove(KEY)
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(waiter, 2)
    assert counts == [(KEY, 1), (KEY, 0)]
    assert bus.get(KEY) is None
    items = [p async for p in sub]
    assert items == []


async def test_gop_cache_is_bounded() -> None:
    bus = FrameBus(gop_cache_max_packets=5)
    ch = bus.channel(KEY)
    for p in gop(0, 5):
        ch.publish(p)
    assert len(ch.gop) == 5
    ch.publish(pkt(5))
    assert ch.gop == []  # a keyframe is overdue: stop caching instead of growing


async def test_a_gop_longer_than_the_queue_still_starts_a_new_subscriber_at_its_keyframe() -> None:
    # 10 s GOP at 25 fps: 250 cached packets against a live queue of 120
    bus = FrameBus(subscriber_queue_packets=120)
    ch = bus.channel(KEY)
    for p in gop(0, 250):
        ch.publish(p)
    sub = ch.subscribe()
    assert len(sub) == 250 and sub.dropped == 0
    first = await sub.get()
    assert first.is_keyframe and first.pts == 0
    for p in [pkt(250 + i) for i in range(100)]:  # live, still the same GOP
        ch.publish(p)
    rest = sub.drain()
    assert [p.pts // 6000 for p in rest] == list(range(1, 350))
    assert sub.dropped == 0


async def test_live_overflow_still_skips_to_a_keyframe_with_a_backlog_unread() -> None:
    bus = FrameBus(subscriber_queue_packets=8)
    ch = bus.channel(KEY)
    for p in gop(0, 20):
        ch.publish(p)
    sub = ch.subscribe()  # reads nothing: 20 backlog, then 9 live overflow the queue of 8
    for p in [pkt(20 + i) for i in range(9)] + gop(29, 2):
        ch.publish(p)
    assert [p.pts // 6000 for p in sub.drain()] == [29, 30]
    assert sub.dropped == 29


async def test_lossless_subscriber_keeps_its_queue_and_counts_what_it_refused() -> None:
    ch = FrameBus().channel(KEY)
    recorder = ch.subscribe(maxsize=4, lossless=True)
    for p in gop(0, 6):  # two more than the queue holds
        ch.publish(p)
    assert recorder.dropped == 2
    assert [p.pts // 6000 for p in recorder.drain()] == [0, 1, 2, 3]  # none queued was lost
    ch.publish(pkt(6))  # room again, but mid-GOP after a refusal: undecodable, refused too
    for p in gop(7, 3):
        ch.publish(p)
    assert [p.pts // 6000 for p in recorder.drain()] == [7, 8, 9]
    assert recorder.dropped == 3
