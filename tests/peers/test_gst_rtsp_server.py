"""Sanity of the independent peer: FFmpeg reads GStreamer's RTSP server, with and without
digest auth, over TCP and UDP."""

from __future__ import annotations

import pytest

from tests.fixtures_camsim import GstRtspServerFactory
from tests.peers.probe import ffprobe

pytestmark = pytest.mark.gstreamer


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_ffprobe_reads_gstreamer(gst_rtsp_server: GstRtspServerFactory, transport: str) -> None:
    server = gst_rtsp_server()
    probe = ffprobe(server.url, transport)
    assert probe.returncode == 0, probe.stderr
    assert probe.streams[0]["codec_name"] == "h264"
    assert (probe.streams[0]["width"], probe.streams[0]["height"]) == (320, 240)


def test_gstreamer_digest_auth(gst_rtsp_server: GstRtspServerFactory) -> None:
    server = gst_rtsp_server(auth=("viewer", "pa55"), path="/cam")
    assert server.url.endswith("/cam")
    wrong = ffprobe(server.url.replace("rtsp://", "rtsp://viewer:nope@"))
    assert wrong.returncode != 0 and "401" in wrong.stderr
    right = ffprobe(server.url.replace("rtsp://", "rtsp://viewer:pa55@"))
    assert right.returncode == 0, right.stderr
