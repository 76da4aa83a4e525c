"""One `vms serve` child process on a free loopback port, for the tests (and benches) that
kill servers (kill -9 and restart) or run several against one database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import free_port

START_TIMEOUT_S = 60.0


class ServeProcess:
    """`vms serve` with the test's settings as VMS_* environment variables (`env`); its output
    goes to `log` when given, else nowhere."""

    def __init__(self, env: dict[str, str], log: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = f"127.0.0.1:{self.port}"
        self.log = log
        self._env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """The whole environment the process runs with."""
        return {**os.environ, "VMS_LOGGING__LEVEL": "WARNING", **self._env}

    def start(self, wait: bool = True) -> None:
        cmd = [sys.executable, "-m", "vms.cli", "serve", "--host", "127.0.0.1",
               "--port", str(self.port)]  # fmt: skip
        if self.log is None:
            self.proc = subprocess.Popen(
                cmd, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        else:
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen(cmd, env=self.env(), stdout=out, stderr=out)
        if wait:
            until(self.ready, START_TIMEOUT_S, f"server {self.name} to be ready", every=0.2)

    def ready(self) -> bool:
        """Answering /readyz with 200; fails at once if the process has exited."""
        assert self.proc is not None
        assert self.proc.poll() is None, f"server {self.name} exited; see {self.log}"
        return ready(self.base)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.05) -> float:
    """Poll `check` until true (seconds it took); fails naming `what` after `timeout` s."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(every)
    return time.monotonic() - started
