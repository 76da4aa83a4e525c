"""The in-process event bus: topic filtering, bounded queues, publishing from other threads."""

from __future__ import annotations

import asyncio
import threading

from vms.events import InProcessEventBus


async def test_subscriber_gets_only_matching_topics() -> None:
    bus = InProcessEventBus()
    bus.bind(asyncio.get_running_loop())
    cams = bus.subscribe("camera.")
    everything = bus.subscribe()
    bus.publish("camera.state", {"camera_id": 1, "state": "online"})
    bus.publish("access.changed", {"grant_id": 2})
    first = await cams.get(1.0)
    assert first is not None and first.topic == "camera.state"
    assert await cams.get(0.05) is None
    topics = [(await everything.get(1.0)), (await everything.get(1.0))]
    assert [e.topic for e in topics if e] == ["camera.state", "access.changed"]


async def test_slow_subscriber_loses_oldest_and_counts() -> None:
    bus = InProcessEventBus()
    bus.bind(asyncio.get_running_loop())
    sub = bus.subscribe(maxsize=3)
    for i in range(5):
        bus.publish("t", {"i": i})
    got = [(await sub.get(1.0)) for _ in range(3)]
    assert [e.data["i"] for e in got if e] == [2, 3, 4]
    assert sub.dropped == 2


async def test_publish_from_a_thread_is_delivered_on_the_loop() -> None:
    bus = InProcessEventBus()
    bus.bind(asyncio.get_running_loop())
    sub = bus.subscribe("x")
    t = threading.Thread(target=bus.publish, args=("x.y", {"from": "thread"}))
    t.start()
    t.join()
    event = await sub.get(2.0)
    assert event is not None and event.data == {"from": "thread"}


async def test_closed_subscription_returns_none_and_stops_receiving() -> None:
    bus = InProcessEventBus()
    bus.bind(asyncio.get_running_loop())
    sub = bus.subscribe()
    sub.close()
    bus.publish("t", {})
    assert await sub.get(0.05) is None
