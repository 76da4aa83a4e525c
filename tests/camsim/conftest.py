"""A simulator on the test's own event loop, with short GOPs so tests see loops turn fast."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from camsim import CameraSimulator, SimConfig
from tests.camsim.rtsp_client import RtspClient
from tests.fixtures_camsim import CHEAP_CAMERAS

# 15 fps, a keyframe every 3 frames, a 6-frame loop: every behaviour shows within a second.
FAST = CHEAP_CAMERAS | {"cameras": 3, "gop_s": 0.2, "loop_gops": 2, "rtcp_interval_s": 0.5}

SimFactory = Callable[..., Awaitable[CameraSimulator]]


@pytest.fixture
async def sim_factory() -> AsyncIterator[SimFactory]:
    started: list[CameraSimulator] = []

    async def start(**overrides: Any) -> CameraSimulator:
        sim = CameraSimulator(SimConfig(**(FAST | overrides)))
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()


@pytest.fixture
async def sim(sim_factory: SimFactory) -> CameraSimulator:
    return await sim_factory()


@pytest.fixture
async def client_factory(
    sim: CameraSimulator,
) -> AsyncIterator[Callable[[], Awaitable[RtspClient]]]:
    clients: list[RtspClient] = []

    async def connect() -> RtspClient:
        client = await RtspClient.connect(sim.host, sim.port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.close()
