"""Faults on request: down/up, drop with refusal, stall, mid-stream resolution change, auth,
and a slow client that must not hold back the others."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable

import av
import pytest

from camsim import CameraSimulator
from camsim.h264 import NAL_SPS, nal_type, split_nals
from tests.camsim.conftest import SimFactory
from tests.camsim.rtsp_client import RtspClient

Connect = Callable[[], Awaitable[RtspClient]]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_down_drops_clients_and_refuses_until_up(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    victim, bystander = await client_factory(), await client_factory()
    await victim.play_tcp(sim.url(1))
    await bystander.play_tcp(sim.url(2))
    await asyncio.wait_for(victim.read_frame(), 10)
    sim.down(1)
    with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
        for _ in range(100):
            await asyncio.wait_for(victim.read_rtp(), 10)
    refused = await client_factory()
    assert (await refused.request("DESCRIBE", sim.url(1))).status == 503
    assert await asyncio.wait_for(refused.reader.read(), 10) == b""  # then hangs up
    await asyncio.wait_for(bystander.read_frame(), 10)  # camera 2 carries on
    sim.up(1)
    again = await client_factory()
    await again.play_tcp(sim.url(1))
    await asyncio.wait_for(again.read_frame(), 10)


async def test_drop_with_refusal_ends_by_itself(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    sim.drop(1, seconds=0.5)
    client = await client_factory()
    assert (await client.request("DESCRIBE", sim.url(1))).status == 503

    async def serving() -> bool:
        c = await client_factory()
        return (await c.request("DESCRIBE", sim.url(1))).status == 200

    await eventually(serving)


async def test_stall_keeps_the_connection_but_sends_nothing(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    await asyncio.wait_for(client.read_frame(), 10)
    sim.stall(1)
    await asyncio.sleep(0.2)
    while True:  # drain what was sent before the stall
        try:
            await asyncio.wait_for(client.read_rtp(), 0.3)
        except TimeoutError:
            break
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.read_rtp(), 1.0)
    assert sim.stats(1)["faults"]["stalled"] is True
    sim.unstall(1)
    await asyncio.wait_for(client.read_frame(), 10)
    assert (await client.request("GET_PARAMETER", sim.url(1))).status == 200


async def test_timed_stall_clears_itself(sim: CameraSimulator, client_factory: Connect) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    sim.stall(1, seconds=0.5)
    await asyncio.sleep(0.6)
    await asyncio.wait_for(client.read_frame(), 10)
    assert sim.stats(1)["faults"]["stalled"] is False


async def test_resolution_change_mid_stream(sim: CameraSimulator, client_factory: Connect) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    ctx = av.CodecContext.create("h264", "r")
    packets, annexb = await asyncio.wait_for(client.read_frame(), 10)
    assert [f.width for f in ctx.decode(av.Packet(annexb))] == [320]
    last_seq = packets[-1].seq
    sim.change_resolution(1, 480, 270)
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline, "resolution never changed"
        packets, annexb = await asyncio.wait_for(client.read_frame(), 10)
        assert packets[0].seq == (last_seq + 1) & 0xFFFF  # the RTP stream goes on
        last_seq = packets[-1].seq
        sizes = {(f.width, f.height) for f in ctx.decode(av.Packet(annexb))}
        if sizes == {(480, 270)}:
            break
        assert sizes == {(320, 180)}
    assert nal_type(split_nals(annexb)[0]) == NAL_SPS  # new SPS/PPS in band
    assert sim.frame_size(1) == (480, 270)
    describe = await (await client_factory()).request("DESCRIBE", sim.url(1))
    assert describe.status == 200  # new viewers get the new parameter sets
    assert sim.frame_size(1, "sub") == (160, 96)


async def test_digest_auth_per_camera(sim: CameraSimulator, client_factory: Connect) -> None:
    sim.require_auth("admin", "S3cr3t!", camera=1)
    anonymous = await client_factory()
    reply = await anonymous.request("DESCRIBE", sim.url(1))
    assert reply.status == 401
    assert reply.headers["www-authenticate"].startswith('Digest realm="camsim", nonce="')
    assert "S3cr3t!" not in reply.headers["www-authenticate"]
    assert (await anonymous.request("DESCRIBE", sim.url(2))).status == 200
    wrong = await client_factory()
    wrong.auth = ("admin", "guess")
    assert (await wrong.request("DESCRIBE", sim.url(1))).status == 401
    right = await client_factory()
    right.auth = ("admin", "S3cr3t!")
    await right.play_tcp(sim.url(1))
    await asyncio.wait_for(right.read_frame(), 10)
    sim.clear_auth()
    assert (await (await client_factory()).request("DESCRIBE", sim.url(1))).status == 200


async def test_a_client_that_stops_reading_is_dropped_without_holding_others(
    sim_factory: SimFactory,
) -> None:
    sim = await sim_factory(
        cameras=1,
        width=640,
        height=360,
        bitrate_kbps=8000,
        write_buffer_limit=32 * 1024,
        socket_send_buffer=16 * 1024,
        max_skipped_frames=5,
    )
    sleeper = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sleeper, (sim.host, sim.port))
    reader, writer = await asyncio.open_connection(sock=sleeper)
    slow = RtspClient(reader, writer)
    await slow.play_tcp(sim.url(1))
    healthy = await RtspClient.connect(sim.host, sim.port)
    try:
        await healthy.play_tcp(sim.url(1))
        deadline = time.monotonic() + 60
        while sim.stats(1)["main"]["clients_dropped"] == 0:
            assert time.monotonic() < deadline, sim.stats(1)
            await asyncio.wait_for(healthy.read_frame(), 10)  # never starved meanwhile
        stats = sim.stats(1)["main"]
        assert stats["frames_skipped"] >= 5 and stats["clients"] == 1
        await asyncio.wait_for(healthy.read_frame(), 10)
    finally:
        await healthy.close()
        await slow.close()
