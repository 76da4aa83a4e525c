"""Real cameras against GStreamer's RTSP server: instant start for every GOP a camera may send,
B-frames, SPS/PPS only in the SDP, a resolution change mid-stream, H.265.

A GOP longer than a viewer's live queue (120 packets: 4.8 s at 25 fps) used to overflow the new
viewer's backlog, which then waited for the next keyframe. Here the viewer joins when the cached
GOP is well past that length and must start from the cached keyframe, then play the whole GOP
and the live frames after it without a skip.
"""

from __future__ import annotations

import asyncio

import av
import pytest

from ingest.packet import EncodedPacket
from ingest.spec import StreamSpec
from relay.h264 import profile_level_id
from relay.track import BusTrack
from relay.transcode import TranscoderPool, conversion_reason
from tests.fixtures_camsim import GstRtspServerFactory
from tests.ingest import rig as ingest_rig
from tests.ingest.conftest import eventually
from tests.ingest.rig import KEY, Rig, nal_types, start
from vms.errors import Unavailable

pytestmark = pytest.mark.gstreamer
rig_factory = ingest_rig.rig_factory  # the ingest tests' fixture: workers stopped at teardown

JOIN_AFTER_PACKETS = 150  # past the live queue of 120


@pytest.mark.parametrize(
    ("fps", "gop"),
    [
        (25, ("--gop", "250")),  # 10 s GOP at 25 fps
        (30, ("--gop", "300")),  # 10 s GOP at 30 fps
        (30, ("--keyframe-intervals", "2,7")),  # variable: 2 s, 7 s, 2 s, ...
    ],
    ids=["10s-gop-25fps", "10s-gop-30fps", "variable-gop-30fps"],
)
async def test_new_viewer_starts_from_the_cached_keyframe(
    gst_rtsp_server: GstRtspServerFactory,
    rig_factory: list[Rig],
    fps: int,
    gop: tuple[str, ...],
) -> None:
    server = gst_rtsp_server(extra=("--fps", str(fps), *gop))
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    channel = rig.channel
    await eventually(
        lambda: len(channel.gop) >= JOIN_AFTER_PACKETS, within_s=30, what="a long cached GOP"
    )
    cached = channel.gop
    assert cached[0].is_keyframe and not any(p.is_keyframe for p in cached[1:])
    track = BusTrack(channel)
    try:
        first = await track.recv()
        assert first.source is cached[0], "the viewer did not start from the cached keyframe"
        sent = [first.source]
        for _ in range(len(cached) - 1 + fps):  # the rest of the GOP, then a second of live
            sent.append((await track.recv()).source)
        assert sent[: len(cached)] == cached
        assert track.dropped == 0
        pts = [p.pts for p in sent]
        assert pts == sorted(pts) and len(set(pts)) == len(pts)  # no skip, no repeat
    finally:
        track.stop()


# --- cameras that are not friendly ---------------------------------------------------------


def decoded_sizes(packets: list[EncodedPacket]) -> list[tuple[int, int]]:
    """Decode `packets` from the first (a keyframe) with a fresh H.264 decoder, as a viewer
    would; any decoding error fails the test."""
    decoder = av.CodecContext.create("h264", "r")
    sizes: list[tuple[int, int]] = []
    for packet in packets:
        sizes += [(f.width, f.height) for f in decoder.decode(av.Packet(packet.data))]
    return sizes


async def converted(rig: Rig, reason: str, n: int) -> list[EncodedPacket]:
    """`n` pictures of the rig's stream through the relay's transcoder, as viewers get them."""
    pool = TranscoderPool(rig.bus, 1)
    try:
        sub = pool.acquire(KEY, reason).subscribe(maxsize=1000)
        return [await asyncio.wait_for(sub.get(), 15) for _ in range(n)]
    finally:
        await pool.stop()


async def test_b_frames_are_detected_and_converted_for_viewers(
    gst_rtsp_server: GstRtspServerFactory, rig_factory: list[Rig]
) -> None:
    server = gst_rtsp_server(extra=("--bframes", "2"))  # main profile, I B B P B B P ...
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    channel = rig.channel
    await eventually(lambda: len(channel.gop) > 3, what="a GOP")
    info = channel.info
    assert info is not None and info.reordered and info.profile == "Main"
    status = rig.health.get(KEY)
    assert status is not None and status.to_dict()["b_frames"] is True  # said in the status
    camera = await rig.packets(30)
    pts = [p.pts for p in camera]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)  # decode order, still monotonic
    reason = conversion_reason(info, "h264")
    assert reason is not None and "B-frames" in reason
    out = await converted(rig, reason, 30)
    assert out[0].is_keyframe
    assert profile_level_id(out[0].data).startswith("42")  # baseline: no B-frames
    assert [p.pts for p in out] == sorted(p.pts for p in out)
    assert set(decoded_sizes(out)) == {(320, 240)}


async def test_parameter_sets_only_in_the_sdp_reach_every_keyframe(
    gst_rtsp_server: GstRtspServerFactory, rig_factory: list[Rig]
) -> None:
    server = gst_rtsp_server(extra=("--params-out-of-band",))
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    channel = rig.channel
    await eventually(lambda: len(channel.gop) > 1, what="a GOP")
    assert rig.infos[0].extradata, "no sprop-parameter-sets read from the SDP"
    assert conversion_reason(channel.info, "h264") is None  # passed through
    track = BusTrack(channel)
    try:
        first = (await track.recv()).source
    finally:
        track.stop()
    assert {7, 8, 5} <= set(nal_types(first))  # SPS, PPS and the IDR picture in band
    assert decoded_sizes([first]) == [(320, 240)]  # decodes on its own


async def test_a_resolution_change_mid_stream_reaches_viewers(
    gst_rtsp_server: GstRtspServerFactory, rig_factory: list[Rig]
) -> None:
    server = gst_rtsp_server(extra=("--resize-after", "5", "--resize-to", "480x272"))
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    channel = rig.channel
    await eventually(lambda: len(channel.gop) > 0, what="a keyframe")
    watching = BusTrack(channel)  # a viewer who was there before the change
    try:
        seen = [(await watching.recv()).source]
        while len(seen) < 200 and not (seen[-1].is_keyframe and rig.infos[-1].width == 480):
            seen.append((await asyncio.wait_for(watching.recv(), 10)).source)
    finally:
        watching.stop()
    assert (rig.infos[0].width, rig.infos[-1].width, rig.infos[-1].height) == (320, 480, 272)
    sizes = decoded_sizes(seen)
    assert sizes[0] == (320, 240) and sizes[-1] == (480, 272)
    late = BusTrack(channel)  # a viewer who comes after it
    try:
        first = (await late.recv()).source
    finally:
        late.stop()
    assert decoded_sizes([first]) == [(480, 272)]


async def test_an_h265_camera_is_converted_for_viewers(
    gst_rtsp_server: GstRtspServerFactory, rig_factory: list[Rig]
) -> None:
    server = gst_rtsp_server(extra=("--codec", "h265"))
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    channel = rig.channel
    await eventually(lambda: len(channel.gop) > 1, what="a GOP")
    assert channel.info is not None and channel.info.codec == "hevc"
    reason = conversion_reason(channel.info, "hevc")
    assert reason is not None and "hevc" in reason
    out = await converted(rig, reason, 20)
    assert out[0].is_keyframe and out[0].codec == "h264"
    assert set(decoded_sizes(out)) == {(320, 240)}


async def test_no_transcoder_free_says_why_the_stream_needs_one(
    gst_rtsp_server: GstRtspServerFactory, rig_factory: list[Rig]
) -> None:
    server = gst_rtsp_server(extra=("--codec", "h265"))
    rig = await start(rig_factory, StreamSpec(KEY, server.url))
    await eventually(lambda: rig.channel.info is not None, what="stream parameters")
    reason = conversion_reason(rig.channel.info, "hevc")
    assert reason is not None
    pool = TranscoderPool(rig.bus, 0)  # relay.max_transcoders = 0: none may run
    with pytest.raises(Unavailable) as refused:
        pool.acquire(KEY, reason)
    assert "hevc" in str(refused.value) and "relay.max_transcoders" in str(refused.value)
