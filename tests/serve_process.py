"""One `vms serve` child process on a free loopback port, for the tests that kill servers
(kill -9 and restart) or run several against one database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from tests.conftest import free_port


class ServeProcess:
    """`vms serve` with the test's settings as VMS_* environment variables (`env`)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "VMS_LOGGING__LEVEL": "WARNING", **self.env}
        cmd = [sys.executable, "-m", "vms.cli", "serve", "--host", "127.0.0.1",
               "--port", str(self.port)]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        until(lambda: ready(self.base), 60, "the server to be ready")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `check` until true (seconds it took); fails the test after `timeout` s."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started
