"""An independent client (FFmpeg's ffprobe) reads our simulator: main and sub, TCP and UDP,
and digest auth behaves as on a real camera."""

from __future__ import annotations

import time

import pytest

from camsim import SimulatorThread
from tests.peers.probe import ffprobe


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_ffprobe_reads_main_and_sub(camsim: SimulatorThread, transport: str) -> None:
    for stream, size in (("main", (320, 180)), ("sub", (160, 96))):
        probe = ffprobe(camsim.url(2, stream), transport)
        assert probe.returncode == 0, probe.stderr
        [video] = probe.streams
        assert video["codec_name"] == "h264"
        assert video["profile"] == "Constrained Baseline"
        assert (video["width"], video["height"]) == size


def test_ffprobe_digest_auth(camsim: SimulatorThread) -> None:
    camsim.require_auth("admin", "S3cr3t!")
    url = camsim.url(1)
    authed = url.replace("rtsp://", "rtsp://admin:S3cr3t!@")
    wrong = ffprobe(url.replace("rtsp://", "rtsp://admin:guess@"))
    assert wrong.returncode != 0 and "401" in wrong.stderr
    none = ffprobe(url)
    assert none.returncode != 0 and "401" in none.stderr
    right = ffprobe(authed)
    assert right.returncode == 0, right.stderr
    assert right.streams[0]["codec_name"] == "h264"


def test_ffprobe_sees_a_resolution_change_on_reconnect(camsim: SimulatorThread) -> None:
    camsim.change_resolution(3, 480, 270)
    deadline = time.monotonic() + 30
    while camsim.frame_size(3) != (480, 270):
        assert time.monotonic() < deadline, "resolution never changed"
        time.sleep(0.1)
    probe = ffprobe(camsim.url(3))
    assert probe.returncode == 0, probe.stderr
    assert (probe.streams[0]["width"], probe.streams[0]["height"]) == (480, 270)
