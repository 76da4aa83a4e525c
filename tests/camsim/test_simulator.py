"""Streaming from the simulator as a client sees it: SDP, keyframe start, continuous RTP
across loops, the frame index code and the send schedule, UDP, RTCP sender reports."""

from __future__ import annotations

import asyncio
import base64
import itertools
import socket
import struct
import time
from collections.abc import Awaitable, Callable

import av

from camsim import CameraSimulator, framecode
from camsim.h264 import NAL_SPS, nal_type, split_nals
from tests.camsim.rtsp_client import RtspClient, depacketize

Connect = Callable[[], Awaitable[RtspClient]]


def decode(ctx: av.CodecContext, annexb: bytes) -> list[av.VideoFrame]:
    return list(ctx.decode(av.Packet(annexb)))


async def test_describe_announces_h264_with_parameter_sets(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    options = await client.request("OPTIONS", sim.url(1))
    assert options.status == 200 and "GET_PARAMETER" in options.headers["public"]
    reply = await client.request("DESCRIBE", sim.url(2, "sub"))
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/sdp"
    assert reply.headers["content-base"] == sim.url(2, "sub") + "/"
    sdp = reply.body.decode()
    assert "m=video 0 RTP/AVP 96" in sdp and "a=rtpmap:96 H264/90000" in sdp
    fmtp = next(line for line in sdp.splitlines() if line.startswith("a=fmtp:96"))
    assert "packetization-mode=1" in fmtp
    plid = fmtp.split("profile-level-id=")[1][:6]
    assert plid[:2] == "42" and int(plid[2:4], 16) & 0x40  # constrained baseline
    sprop = fmtp.split("sprop-parameter-sets=")[1].split(";")[0]
    sps = base64.b64decode(sprop.split(",")[0])
    assert nal_type(sps) == NAL_SPS
    assert f"profile-level-id={sps[1:4].hex().upper()}" in fmtp


async def test_unknown_paths_are_404(sim: CameraSimulator, client_factory: Connect) -> None:
    client = await client_factory()
    base = f"rtsp://{sim.host}:{sim.port}"
    for path in ("/cam/4/main", "/cam/0/main", "/cam/1/third", "/other", "/cam/1/main/track9"):
        assert (await client.request("DESCRIBE", base + path)).status == 404, path


async def test_play_over_tcp_starts_at_a_keyframe_and_stays_continuous(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    ctx = av.CodecContext.create("h264", "r")
    frames = []
    for _ in range(15):  # two and a half turns of the 6-frame loop
        packets, annexb = await asyncio.wait_for(client.read_frame(), 10)
        pictures = decode(ctx, annexb)
        assert len(pictures) == 1
        frames.append((packets, annexb, pictures[0]))
    first_nals = split_nals(frames[0][1])
    assert nal_type(first_nals[0]) == NAL_SPS  # a late joiner starts at a keyframe
    seqs = [p.seq for packets, _, _ in frames for p in packets]
    assert seqs == [(seqs[0] + i) & 0xFFFF for i in range(len(seqs))]
    stamps = [packets[0].timestamp for packets, _, _ in frames]
    steps = {(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(stamps)}
    assert steps and all(s > 0 and s % 6000 == 0 for s in steps)  # 90 kHz / 15 fps
    assert len({p.ssrc for packets, _, _ in frames for p in packets}) == 1
    indices = [framecode.read_index(f.to_ndarray(format="rgb24")) for _, _, f in frames]
    assert indices[0] in (0, 3)  # keyframes are at loop indices 0 and 3
    assert all(b == (a + 1) % 6 for a, b in itertools.pairwise(indices) if b is not None)
    assert {f.width for _, _, f in frames} == {320}


async def test_schedule_tells_when_each_index_was_sent(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    ctx = av.CodecContext.create("h264", "r")
    _, annexb = await asyncio.wait_for(client.read_frame(), 10)
    received = time.time()
    index = framecode.read_index(decode(ctx, annexb)[0].to_ndarray(format="rgb24"))
    assert index is not None
    sent = sim.sent_at(1, index)
    assert sent is not None and received - 2.0 < sent <= received
    schedule = sim.schedule(1)
    assert len(schedule) == 6 and schedule[index] is not None
    await asyncio.sleep(1.0)  # a loop turns in 0.4 s; every index has been sent since
    assert all(t is not None and t > sent - 1.0 for t in sim.schedule(1))


async def test_play_over_udp(sim: CameraSimulator, client_factory: Connect) -> None:
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        rtp.bind(("127.0.0.1", 0))
        rtcp.bind(("127.0.0.1", 0))
        rtp.setblocking(False)
        client = await client_factory()
        assert (await client.request("DESCRIBE", sim.url(3))).status == 200
        ports = f"{rtp.getsockname()[1]}-{rtcp.getsockname()[1]}"
        setup = await client.request(
            "SETUP",
            sim.url(3) + "/trackID=0",
            {"Transport": f"RTP/AVP;unicast;client_port={ports}"},
        )
        assert setup.status == 200
        transport = setup.headers["transport"]
        assert f"client_port={ports}" in transport and "server_port=" in transport
        client.session = setup.headers["session"].split(";")[0]
        assert (await client.request("PLAY", sim.url(3))).status == 200
        loop = asyncio.get_running_loop()
        payloads = []
        while True:
            data = await asyncio.wait_for(loop.sock_recv(rtp, 2048), 10)
            payloads.append(data[12:])
            if data[1] & 0x80:
                break
        assert nal_type(split_nals(depacketize(payloads))[0]) == NAL_SPS
        assert (await client.request("GET_PARAMETER", sim.url(3))).status == 200
        assert (await client.request("TEARDOWN", sim.url(3))).status == 200
    finally:
        rtp.close()
        rtcp.close()


async def test_sender_reports_follow_the_stream(
    sim: CameraSimulator, client_factory: Connect
) -> None:
    client = await client_factory()
    await client.play_tcp(sim.url(1))
    deadline = time.monotonic() + 10
    while not client.rtcp and time.monotonic() < deadline:
        await asyncio.wait_for(client.read_rtp(), 10)
    assert client.rtcp, "no RTCP sender report within 10 s"
    kind, _, ssrc = struct.unpack("!xBHI", client.rtcp[0][:8])
    assert kind == 200 and ssrc == sim.source(1, "main").ssrc  # type: ignore[union-attr]
    ntp_seconds = struct.unpack("!I", client.rtcp[0][8:12])[0] - 2_208_988_800
    assert abs(ntp_seconds - time.time()) < 5


async def test_two_clients_share_the_stream(sim: CameraSimulator, client_factory: Connect) -> None:
    first, second = await client_factory(), await client_factory()
    await first.play_tcp(sim.url(2))
    await asyncio.wait_for(first.read_frame(), 10)
    await second.play_tcp(sim.url(2))
    _, annexb = await asyncio.wait_for(second.read_frame(), 10)
    assert nal_type(split_nals(annexb)[0]) == NAL_SPS
    await asyncio.wait_for(first.read_frame(), 10)
    assert sim.stats(2)["main"]["clients"] == 2
