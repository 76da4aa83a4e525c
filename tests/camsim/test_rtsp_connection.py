"""The RTSP request handling at its edges: bad input gets an RTSP error (never a crash),
and connections and sessions are bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from camsim import CameraSimulator
from tests.camsim.conftest import SimFactory
from tests.camsim.rtsp_client import RtspClient

Connect = Callable[[], Awaitable[RtspClient]]


async def raw(sim: CameraSimulator, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def test_garbage_gets_400_and_a_hang_up(sim: CameraSimulator) -> None:
    answer = await raw(sim, b"HELLO THERE\r\n\r\n")
    assert answer.startswith(b"RTSP/1.0 400 ")
    answer = await raw(sim, b"DESCRIBE rtsp://x/cam/1/main RTSP/1.0\r\nCSeq: 1\r\n" + b"X" * 9000)
    assert answer.startswith(b"RTSP/1.0 400 ")
    answer = await raw(sim, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999\r\n\r\n")
    assert answer.startswith(b"RTSP/1.0 400 ")


async def test_state_errors(sim: CameraSimulator, client_factory: Connect) -> None:
    client = await client_factory()
    assert (await client.request("PLAY", sim.url(1))).status == 454
    assert (await client.request("RECORD", sim.url(1))).status == 501
    bad = await client.request(
        "SETUP", sim.url(1) + "/trackID=0", {"Transport": "RTP/AVP;multicast"}
    )
    assert bad.status == 461
    bad = await client.request(
        "SETUP", sim.url(1) + "/trackID=0", {"Transport": "RTP/AVP/TCP;interleaved=300-301"}
    )
    assert bad.status == 461
    ok = await client.request(
        "SETUP", sim.url(1) + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=4-5"}
    )
    assert ok.status == 200 and "interleaved=4-5" in ok.headers["transport"]
    client.session = ok.headers["session"].split(";")[0]
    assert ok.headers["session"].endswith(";timeout=60")
    assert (await client.request("PLAY", sim.url(2))).status == 459  # not this session's stream
    assert (await client.request("PLAY", sim.url(1))).status == 200
    assert (await client.request("PAUSE", sim.url(1))).status == 200
    assert (await client.request("TEARDOWN", sim.url(1))).status == 200
    assert (await client.request("TEARDOWN", sim.url(1))).status == 454


async def test_sessions_per_connection_are_bounded(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    transport = {"Transport": "RTP/AVP/TCP;unicast"}
    statuses = []
    for _ in range(sim.config.max_sessions_per_connection + 1):
        statuses.append((await client.request("SETUP", sim.url(1), transport)).status)
    assert statuses == [200] * sim.config.max_sessions_per_connection + [453]


async def test_connections_are_bounded(sim_factory: SimFactory) -> None:
    sim = await sim_factory(max_connections=2)
    first = await RtspClient.connect(sim.host, sim.port)
    second = await RtspClient.connect(sim.host, sim.port)
    try:
        assert (await first.request("OPTIONS", sim.url(1))).status == 200
        assert (await second.request("OPTIONS", sim.url(1))).status == 200
        assert await raw(sim, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n") == b""
        assert sim.connections_refused == 1
    finally:
        await first.close()
        await second.close()
