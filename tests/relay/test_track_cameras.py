"""Instant start against GStreamer's RTSP server for every GOP a camera may send.

A GOP longer than a viewer's live queue (120 packets: 4.8 s at 25 fps) used to overflow the new
viewer's backlog, which then waited for the next keyframe. Here the viewer joins when the cached
GOP is well past that length and must start from the cached keyframe, then play the whole GOP
and the live frames after it without a skip.
"""

from __future__ import annotations

import pytest

from ingest.spec import StreamSpec
from relay.track import BusTrack
from tests.fixtures_camsim import GstRtspServerFactory
from tests.ingest import rig as ingest_rig
from tests.ingest.conftest import eventually
from tests.ingest.rig import KEY, Rig, start

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
