"""StreamWorker against the camera simulator: transports, reboot, stall, resolution change."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest

from camsim import SimulatorThread
from ingest.health import StreamState
from ingest.snapshot import decode_to_jpeg
from ingest.spec import StreamSpec
from tests.ingest.conftest import eventually
from tests.ingest.rig import KEY, Rig, nal_types, start


@pytest.fixture
async def rigs() -> AsyncIterator[list[Rig]]:
    made: list[Rig] = []
    yield made
    for rig in made:
        rig.worker.stop()
    for rig in made:
        assert await rig.worker.wait(10), "worker thread did not stop"


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_pulls_simulator(rigs: list[Rig], camsim: SimulatorThread, transport: str) -> None:
    rig = await start(rigs, StreamSpec(KEY, camsim.url(2, "sub"), transport=transport))  # type: ignore[arg-type]
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    packets = await rig.packets(16)
    assert packets[0].is_keyframe and 7 in nal_types(packets[0])
    assert all(b.pts > a.pts for a, b in itertools.pairwise(packets))
    info = rig.channel.info
    assert info is not None and (info.width, info.height) == (160, 96)
    await eventually(
        lambda: (h := rig.health.get(KEY)) is not None and h.fps is not None, what="fps measured"
    )
    health = rig.health.get(KEY)
    assert health is not None and health.fps is not None and 5 < health.fps < 40


async def test_camera_reboot_reconnects_and_timeline_continues(
    rigs: list[Rig], camsim: SimulatorThread
) -> None:
    rig = await start(rigs, StreamSpec(KEY, camsim.url(1)))
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    sub = rig.channel.subscribe(maxsize=2000)
    camsim.down(1)
    await eventually(lambda: rig.state == StreamState.OFFLINE, what="offline while down")
    health = rig.health.get(KEY)
    assert health is not None and health.reason is not None
    await asyncio.sleep(0.5)
    camsim.up(1)
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online after reboot")
    assert health.reconnects >= 1
    await eventually(lambda: len(sub) > 40, what="packets after reboot")
    pts = [p.pts for p in sub.drain()]
    sub.close()
    assert all(b >= a for a, b in itertools.pairwise(pts)), "pts went backwards over reconnect"


async def test_simulator_stall_is_stalled_then_online(
    rigs: list[Rig], camsim: SimulatorThread
) -> None:
    rig = await start(rigs, StreamSpec(KEY, camsim.url(3)))
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    states: list[StreamState] = []
    rig.health.add_listener(lambda h: states.append(h.state))
    camsim.stall(3)
    await eventually(lambda: rig.state == StreamState.STALLED, what="stalled")
    camsim.unstall(3)
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online again")
    assert states[0] == StreamState.STALLED and StreamState.STARTING in states


async def test_resolution_change_updates_info_and_still_decodes(
    rigs: list[Rig], camsim: SimulatorThread
) -> None:
    rig = await start(rigs, StreamSpec(KEY, camsim.url(4)))
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    infos = []
    original_set_info = rig.channel.set_info

    def spy(info: object) -> None:
        infos.append(info)
        original_set_info(info)  # type: ignore[arg-type]

    rig.channel.set_info = spy  # type: ignore[method-assign]
    camsim.change_resolution(4, 256, 144)
    await eventually(
        lambda: rig.channel.info is not None and rig.channel.info.width == 256,
        within_s=30,
        what="new StreamInfo",
    )
    assert rig.channel.info is not None and rig.channel.info.height == 144
    assert rig.channel.gop and rig.channel.gop[0].is_keyframe
    jpeg = await asyncio.to_thread(decode_to_jpeg, rig.channel.gop[0], None)
    assert jpeg.startswith(b"\xff\xd8")
    health = rig.health.get(KEY)
    assert health is not None and (health.width, health.height) == (256, 144)
    assert infos and infos[-1].width == 256  # type: ignore[attr-defined]
