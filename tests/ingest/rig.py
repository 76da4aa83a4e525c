"""A StreamWorker wired to a frame bus and a health registry as the supervisor wires it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.h264 import iter_nals, nal_type
from ingest.handoff import LoopHandoff
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamInfo, StreamKey
from ingest.spec import StreamSpec
from ingest.worker import StreamWorker

KEY = StreamKey(1, "main")
FAST = IngestConfig(
    connect_timeout_s=3,
    stall_timeout_s=1.5,
    backoff_initial_s=0.2,
    backoff_max_s=1.0,
    camera_networks=["127.0.0.0/8"],  # camsim and the test servers are on loopback
)


class Rig:
    """A worker, its channel and health, and every StreamInfo the channel was given."""

    def __init__(self, spec: StreamSpec, config: IngestConfig = FAST) -> None:
        self.bus = FrameBus()
        self.health = HealthRegistry()
        self.states: list[tuple[StreamState, str | None]] = []
        self.health.add_listener(lambda h: self.states.append((h.state, h.reason)))
        self.handoff = LoopHandoff(asyncio.get_running_loop())
        self.channel = self.bus.channel(spec.key)
        self.infos: list[StreamInfo] = []
        set_info = self.channel.set_info

        def record_info(info: StreamInfo) -> None:
            self.infos.append(info)
            set_info(info)

        self.channel.set_info = record_info  # type: ignore[method-assign]
        self.worker = StreamWorker(spec, config, self.channel, self.health, self.handoff)

    @property
    def state(self) -> StreamState | None:
        h = self.health.get(KEY)
        return h.state if h else None

    @property
    def reason(self) -> str | None:
        h = self.health.get(KEY)
        return h.reason if h else None

    async def packets(self, n: int) -> list[EncodedPacket]:
        sub = self.channel.subscribe(maxsize=1000)
        try:
            return [await asyncio.wait_for(sub.get(), 15) for _ in range(n)]
        finally:
            sub.close()


@pytest.fixture
async def rig_factory() -> AsyncIterator[list[Rig]]:
    """Rigs started by the test; every worker must stop at teardown."""
    rigs: list[Rig] = []
    yield rigs
    for rig in rigs:
        rig.worker.stop()
    for rig in rigs:
        assert await rig.worker.wait(10), "worker thread did not stop"


async def start(rigs: list[Rig], spec: StreamSpec, config: IngestConfig = FAST) -> Rig:
    rig = Rig(spec, config)
    rigs.append(rig)
    rig.worker.start()
    return rig


def nal_types(packet: EncodedPacket, codec: str = "h264") -> list[int]:
    return [nal_type(codec, packet.data[s]) for s, _ in iter_nals(packet.data)]
