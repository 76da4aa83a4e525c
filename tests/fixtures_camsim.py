"""Fixtures for tests that need cameras: the simulator (in a thread) and GStreamer's RTSP server.

`camsim` is a started simulator with 4 small cameras; `camsim_factory(**overrides)` starts
others (any SimConfig field); `gst_rtsp_server(port=None, auth=None)` starts the independent
peer as a subprocess. All are stopped at teardown.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from camsim import SimConfig, SimulatorThread
from tests.conftest import free_port

GST_PEER = Path(__file__).parent / "peers" / "gst_rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"

CHEAP_CAMERAS: dict[str, Any] = {
    "cameras": 4,
    "width": 320,
    "height": 180,
    "fps": 15,
    "gop_s": 1.0,
    "bitrate_kbps": 300,
    "sub_width": 160,
    "sub_height": 96,
    "sub_bitrate_kbps": 100,
    "host": "127.0.0.1",
    "port": 0,
}

CamsimFactory = Callable[..., SimulatorThread]


@pytest.fixture
def camsim_factory() -> Iterator[CamsimFactory]:
    """Start simulators: `camsim_factory(cameras=2, fps=30)`; defaults are the cheap cameras."""
    started: list[SimulatorThread] = []

    def start(**overrides: Any) -> SimulatorThread:
        sim = SimulatorThread(SimConfig(**(CHEAP_CAMERAS | overrides)))
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def camsim(camsim_factory: CamsimFactory) -> SimulatorThread:
    """A started simulator: 4 cameras, 320x180 main and 160x96 sub, 15 fps, GOP 1 s."""
    return camsim_factory()


@dataclass
class GstRtspServer:
    """A running GStreamer RTSP server (the independent peer)."""

    url: str
    port: int
    process: subprocess.Popen[str]


GstRtspServerFactory = Callable[..., GstRtspServer]


@pytest.fixture
def gst_rtsp_server() -> Iterator[GstRtspServerFactory]:
    """Start GStreamer RTSP servers: `gst_rtsp_server(port=None, auth=("user", "pass"))`."""
    started: list[GstRtspServer] = []

    def start(
        port: int | None = None,
        auth: tuple[str, str] | None = None,
        path: str = "/test",
        width: int = 320,
        height: int = 240,
        extra: tuple[str, ...] = (),
    ) -> GstRtspServer:
        """`extra`: more options of tests/peers/gst_rtsp_server.py (fps, GOP, B-frames...)."""
        port = port or free_port()
        args = [SYSTEM_PYTHON, str(GST_PEER), "--port", str(port), "--path", path]
        args += ["--width", str(width), "--height", str(height), *extra]
        if auth is not None:
            args += ["--user", auth[0], "--password", auth[1]]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("READY "):
            proc.kill()
            proc.wait(10)
            pytest.fail(f"GStreamer RTSP server did not start: {line!r}")
        server = GstRtspServer(line.split(" ", 1)[1], port, proc)
        started.append(server)
        return server

    yield start
    for server in started:
        server.process.kill()
    for server in started:
        server.process.wait(10)
        if server.process.stdout is not None:
            server.process.stdout.close()
