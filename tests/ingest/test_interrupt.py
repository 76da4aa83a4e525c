"""Stopping a worker blocked inside FFmpeg: a silent connect and a silent read end promptly.

The stall and connect timeouts here are a minute, so only the interrupt can end these reads
within the few seconds the tests allow.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from camsim import SimulatorThread
from ingest import interrupt
from ingest.config import IngestConfig
from ingest.health import StreamState
from ingest.spec import StreamSpec
from tests.ingest.conftest import eventually
from tests.ingest.rig import KEY, Rig, start
from tests.ingest.test_worker import BlackHoleProxy

PATIENT = IngestConfig(
    connect_timeout_s=60,
    stall_timeout_s=60,
    backoff_initial_s=0.2,
    backoff_max_s=1.0,
    camera_networks=["127.0.0.0/8"],
)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    done.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


async def test_stop_while_connecting_to_a_silent_camera(
    rig_factory: list[Rig], silent_server: int
) -> None:
    rig = await start(rig_factory, StreamSpec(KEY, f"rtsp://127.0.0.1:{silent_server}/x"), PATIENT)
    await eventually(lambda: rig.state == StreamState.STARTING, what="starting")
    await asyncio.sleep(0.5)  # inside av.open, waiting for the RTSP answer
    began = time.monotonic()
    rig.worker.stop()
    assert await rig.worker.wait(5), "stop waited for the connect timeout"
    print(f"stopped a silent connect in {time.monotonic() - began:.3f} s")


async def test_stop_while_reading_a_silent_stream(
    rig_factory: list[Rig], camsim: SimulatorThread
) -> None:
    proxy = BlackHoleProxy(camsim.port)
    await proxy.start()
    try:
        url = camsim.url(1).replace(f":{camsim.port}/", f":{proxy.port}/")
        rig = await start(rig_factory, StreamSpec(KEY, url), PATIENT)
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
        proxy.paused.set()
        before = rig.channel.packets_total
        await asyncio.sleep(1.0)  # the reader drains what was in flight, then blocks
        assert rig.channel.packets_total - before < 30
        began = time.monotonic()
        rig.worker.stop()
        assert await rig.worker.wait(5), "stop waited for the stall timeout"
        print(f"stopped a silent read in {time.monotonic() - began:.3f} s")
        assert rig.state == StreamState.ONLINE  # a stopping worker reports nothing more
    finally:
        await proxy.close()


def test_clock_is_exact_for_threads_not_stopping() -> None:
    assert interrupt.install()
    import av.container.core

    clock = av.container.core.time  # type: ignore[attr-defined]
    stop = threading.Event()
    seen: list[float] = []

    def bound() -> None:
        interrupt.bind(stop)
        seen.append(clock.monotonic() - time.monotonic())
        stop.set()
        seen.append(clock.monotonic() - time.monotonic())

    thread = threading.Thread(target=bound)
    thread.start()
    thread.join(5)
    assert abs(seen[0]) < 1 and seen[1] > 1e6  # jumps only once its own stop is set
    assert abs(clock.monotonic() - time.monotonic()) < 1  # this thread is not bound
