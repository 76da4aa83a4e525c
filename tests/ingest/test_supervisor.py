"""IngestSupervisor: apply() reconciles workers; on-demand streams follow their consumers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from camsim import SimulatorThread
from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry, StreamHealth, StreamState
from ingest.packet import StreamKey
from ingest.spec import StreamSpec
from ingest.supervisor import IngestSupervisor
from tests.ingest.conftest import eventually

CONFIG = IngestConfig(
    connect_timeout_s=3,
    stall_timeout_s=2,
    backoff_initial_s=0.2,
    backoff_max_s=1,
    on_demand_idle_s=0.3,
    camera_networks=["127.0.0.0/8"],  # camsim on loopback
)


@pytest.fixture(params=[0, 2], ids=["in_process", "sharded"])
async def supervisor(request: pytest.FixtureRequest) -> AsyncIterator[IngestSupervisor]:
    changes: list[StreamHealth] = []
    config = CONFIG.model_copy(update={"shards": request.param})
    sup = IngestSupervisor(config, FrameBus(), HealthRegistry(), on_state_change=changes.append)
    await sup.start()
    yield sup
    await sup.stop()


def state(sup: IngestSupervisor, key: StreamKey) -> StreamState | None:
    h = sup.health.get(key)
    return h.state if h else None


async def test_apply_starts_stops_and_restarts_changed(
    supervisor: IngestSupervisor, camsim: SimulatorThread
) -> None:
    a, b = StreamKey(1, "main"), StreamKey(2, "sub")
    await supervisor.apply([StreamSpec(a, camsim.url(1)), StreamSpec(b, camsim.url(2, "sub"))])
    for key in (a, b):
        await eventually(lambda k=key: state(supervisor, k) == StreamState.ONLINE, what=str(key))
    channel_a = supervisor.bus.get(a)
    assert channel_a is not None and channel_a.info is not None and channel_a.info.width == 320

    # b removed, a changed (now the camera's sub stream): a restarts at the new size.
    await supervisor.apply([StreamSpec(a, camsim.url(1, "sub"))])
    assert supervisor.health.get(b) is None and supervisor.bus.get(b) is None
    assert not supervisor.is_running(b)
    await eventually(
        lambda: channel_a.info is not None and channel_a.info.width == 160, what="restarted"
    )
    await eventually(lambda: state(supervisor, a) == StreamState.ONLINE, what="online again")

    # Same specs again: nothing restarts.
    before = supervisor.health.get(a)
    assert before is not None
    reconnects = before.reconnects
    await supervisor.apply([StreamSpec(a, camsim.url(1, "sub"))])
    await asyncio.sleep(0.3)
    assert supervisor.is_running(a) and before.reconnects == reconnects

    await supervisor.apply([])
    assert not supervisor.is_running(a) and supervisor.health.all() == []


async def test_on_demand_follows_subscribers_and_demand(
    supervisor: IngestSupervisor, camsim: SimulatorThread
) -> None:
    key = StreamKey(3, "main")
    await supervisor.apply([StreamSpec(key, camsim.url(3), pull_mode="on_demand")])
    assert not supervisor.is_running(key)
    assert state(supervisor, key) == StreamState.IDLE

    sub = supervisor.bus.channel(key).subscribe()
    assert supervisor.is_running(key)
    packet = await asyncio.wait_for(sub.get(), 15)
    assert packet.is_keyframe
    sub.close()
    await eventually(lambda: not supervisor.is_running(key), what="stops when idle")
    assert state(supervisor, key) == StreamState.IDLE

    supervisor.demand(key)
    await eventually(lambda: state(supervisor, key) == StreamState.ONLINE, what="demanded")
    supervisor.release(key)
    await eventually(lambda: not supervisor.is_running(key), what="released")


async def test_state_changes_reach_the_listener(camsim: SimulatorThread) -> None:
    changes: list[tuple[str, str]] = []
    sup = IngestSupervisor(
        CONFIG,
        FrameBus(),
        HealthRegistry(),
        on_state_change=lambda h: changes.append((str(h.key), h.state.value)),
    )
    await sup.start()
    try:
        await sup.apply([StreamSpec(StreamKey(4, "main"), camsim.url(4))])
        await eventually(lambda: ("4/main", "online") in changes, what="online event")
        assert changes[0] == ("4/main", "starting")
    finally:
        await sup.stop()
    assert not sup.is_running(StreamKey(4, "main"))
