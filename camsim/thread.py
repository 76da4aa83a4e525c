"""`SimulatorThread`: a `CameraSimulator` on its own event loop in a background thread, for
synchronous tests and for running beside a server in the same process. Every method hands the
call to the simulator's loop and waits for its result, so it is safe from any thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from camsim.config import SimConfig
from camsim.simulator import CameraSimulator

T = TypeVar("T")
_TIMEOUT_S = 300.0  # cold start encodes every loop; later starts read the cache


class SimulatorThread:
    """Runs a simulator in a daemon thread; `start()` returns once it serves."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.simulator = CameraSimulator(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorThread:
        if self._thread is not None:
            raise RuntimeError("already started")
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="camsim", daemon=True)
        self._thread.start()
        try:
            ready.result(timeout=_TIMEOUT_S)
        except BaseException:
            self._thread.join(timeout=10)
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Stop the simulator and its loop, and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.simulator.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        self._loop = None
        self._thread = None

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.simulator.start())
        except BaseException as exc:
            ready.set_exception(exc)
            loop.run_until_complete(self.simulator.stop())
            loop.close()
            return
        ready.set_result(None)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)` on the simulator's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("simulator not started")
        future: Future[T] = Future()

        def invoke() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(invoke)
        return future.result(timeout=30)

    # the simulator's surface, thread-safe -------------------------------------------------

    @property
    def port(self) -> int:
        return self.call(lambda: self.simulator.port)

    @property
    def control_port(self) -> int | None:
        return self.call(lambda: self.simulator.control_port)

    def url(self, camera: int, stream: str = "main") -> str:
        return self.call(self.simulator.url, camera, stream)

    def drop(self, camera: int, seconds: float = 0.0) -> None:
        self.call(self.simulator.drop, camera, seconds)

    def down(self, camera: int, seconds: float | None = None) -> None:
        self.call(self.simulator.down, camera, seconds)

    def up(self, camera: int) -> None:
        self.call(self.simulator.up, camera)

    def stall(self, camera: int, seconds: float | None = None) -> None:
        self.call(self.simulator.stall, camera, seconds)

    def unstall(self, camera: int) -> None:
        self.call(self.simulator.unstall, camera)

    def change_resolution(self, camera: int, width: int, height: int, stream: str = "main") -> None:
        self.call(self.simulator.change_resolution, camera, width, height, stream)

    def require_auth(
        self, user: str, password: str, camera: int | None = None, method: str = "digest"
    ) -> None:
        self.call(self.simulator.require_auth, user, password, camera, method)

    def clear_auth(self, camera: int | None = None) -> None:
        self.call(self.simulator.clear_auth, camera)

    def frame_size(self, camera: int, stream: str = "main") -> tuple[int, int]:
        return self.call(self.simulator.frame_size, camera, stream)

    def schedule(self, camera: int, stream: str = "main") -> list[float | None]:
        return self.call(self.simulator.schedule, camera, stream)

    def sent_at(self, camera: int, index: int, stream: str = "main") -> float | None:
        return self.call(self.simulator.sent_at, camera, index, stream)

    def stats(self, camera: int) -> dict[str, Any]:
        return self.call(self.simulator.stats, camera)

    def onvif_url(self, camera: int) -> str:
        return self.call(self.simulator.onvif_url, camera)

    def ptz_state(self, camera: int) -> dict[str, Any]:
        return self.call(self.simulator.ptz_state, camera)
