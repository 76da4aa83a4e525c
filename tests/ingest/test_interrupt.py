"""Stopping a worker blocked inside FFmpeg: a silent connect and a silent read end promptly,
and stopping never touches a socket the worker's FFmpeg does not own.

The stall and connect timeouts here are a minute, so only the interrupt can end these reads
within the few seconds the tests allow.
"""

from __future__ import annotations

import asyncio
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import av
import av.error
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
        reader = rig.worker._read_interrupt
        assert reader is not None, "PyAV's timeout slot was not found (layout moved?)"
        began = time.monotonic()
        rig.worker.stop()
        assert await rig.worker.wait(5), "stop waited for the stall timeout"
        print(f"stopped a silent read in {time.monotonic() - began:.3f} s")
        assert reader.fired
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


def test_read_interrupt_ends_a_blocked_read_of_its_own_container_only(
    camsim: SimulatorThread,
) -> None:
    """Two containers read silent streams; firing one's interrupt ends that read alone."""

    async def run() -> None:
        proxies = [BlackHoleProxy(camsim.port), BlackHoleProxy(camsim.port)]
        for proxy in proxies:
            await proxy.start()
        loop = asyncio.get_running_loop()
        try:
            opened = []
            for n, proxy in enumerate(proxies):
                url = camsim.url(n + 1).replace(f":{camsim.port}/", f":{proxy.port}/")
                began = time.monotonic()
                container = await loop.run_in_executor(
                    None,
                    lambda u=url: av.open(  # type: ignore[misc]
                        u, options={"rtsp_transport": "tcp"}, timeout=(60.0, None)
                    ),
                )
                reader = interrupt.ReadInterrupt.arm(container, began)
                assert reader is not None, "PyAV's timeout slot was not found"
                opened.append((container, reader))
                proxy.paused.set()
            outcomes: list[asyncio.Future[str]] = [
                loop.run_in_executor(None, _read_until_error, c) for c, _ in opened
            ]
            await asyncio.sleep(1.5)  # both drained what was in flight and are blocked
            opened[0][1].fire()
            first = await asyncio.wait_for(outcomes[0], 2)
            assert first == "ExitError"
            assert not outcomes[1].done(), "the other container's read ended too"
            opened[1][1].fire()
            assert await asyncio.wait_for(outcomes[1], 2) == "ExitError"
            for container, _ in opened:
                container.close()
        finally:
            for proxy in proxies:
                await proxy.close()

    asyncio.run(run())


def _read_until_error(container: Any) -> str:
    try:
        for _ in container.demux(container.streams.video[0]):
            pass
    except av.error.FFmpegError as exc:
        return type(exc).__name__
    return "end of stream"


async def test_stop_leaves_a_socket_the_worker_thread_polls_for_someone_else(
    rig_factory: list[Rig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At stop, the worker thread is in poll() on a socket that is not FFmpeg's (as it is when
    the hazard of reading a thread's poll() arguments strikes: the thread left FFmpeg's poll and
    waits on something else). That socket must survive the stop."""
    ours, theirs = socket.socketpair()  # say, the database connection
    polling = threading.Event()

    def open_that_waits_elsewhere(*_: object) -> Any:
        polling.set()
        waiter = select.poll()
        waiter.register(ours, select.POLLIN)
        waiter.poll(1000)  # in poll() on `ours`; nothing arrives
        raise OSError("no camera here")

    monkeypatch.setattr("ingest.worker.open_stream", open_that_waits_elsewhere)
    try:
        rig = await start(rig_factory, StreamSpec(KEY, "rtsp://127.0.0.1:9/x"), PATIENT)
        await asyncio.to_thread(polling.wait, 5)
        await asyncio.sleep(0.2)  # well inside the select()
        rig.worker.stop()
        assert await rig.worker.wait(5)
        theirs.sendall(b"ping")
        ours.settimeout(2)
        assert ours.recv(4) == b"ping", "the stop shut down a socket it does not own"
        ours.sendall(b"pong")
        theirs.settimeout(2)
        assert theirs.recv(4) == b"pong"
    finally:
        ours.close()
        theirs.close()
