"""SimulatorThread: the simulator for synchronous code, faults called from another thread."""

from __future__ import annotations

import socket

import pytest

from camsim import SimulatorThread
from tests.fixtures_camsim import CamsimFactory
from vms.errors import NotFound


def describe(url: str, host: str, port: int) -> int:
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
        head = s.recv(4096).decode()
    return int(head.split(" ")[1])


def test_fixture_serves_four_cheap_cameras(camsim: SimulatorThread) -> None:
    assert camsim.url(4, "sub") == f"rtsp://127.0.0.1:{camsim.port}/cam/4/sub"
    assert camsim.frame_size(1) == (320, 180)
    assert describe(camsim.url(1), "127.0.0.1", camsim.port) == 200
    camsim.down(1)
    assert describe(camsim.url(1), "127.0.0.1", camsim.port) == 503
    camsim.up(1)
    camsim.require_auth("admin", "S3cr3t!", camera=2)
    assert describe(camsim.url(2), "127.0.0.1", camsim.port) == 401
    with pytest.raises(NotFound):
        camsim.stall(5)


def test_factory_and_context_manager(camsim_factory: CamsimFactory) -> None:
    sim = camsim_factory(cameras=1, fps=10)
    assert sim.simulator.config.fps == 10
    with SimulatorThread(sim.config) as other:
        assert other.port != sim.port
        assert describe(other.url(1), "127.0.0.1", other.port) == 200
    with pytest.raises(RuntimeError):
        other.url(1)
