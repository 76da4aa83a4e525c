"""`vms serve --workers N`: N server processes on one machine, started and supervised here.

Each worker is an ordinary `vms serve` child (one node of the site, sharing the site's Redis
and database) that listens twice: on the shared `server.port` with SO_REUSEPORT, so the kernel
spreads new connections over the workers behind one address, and on its own port
(`server.port + 1 + index`), its node URL, where requests for the cameras it pulls are
redirected. A worker that dies is started again (backoff 1 s doubling to 30 s, reset after
30 s of life); SIGTERM or SIGINT here stops them all. Children die with this process
(PR_SET_PDEATHSIG), so a killed supervisor leaves no orphans.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

log = logging.getLogger(__name__)

HEALTHY_RUN_S = 30.0
MAX_BACKOFF_S = 30.0
STOP_WAIT_S = 20.0
_PR_SET_PDEATHSIG = 1


def worker_port(base_port: int, index: int) -> int:
    """Worker `index`'s own port (its node URL)."""
    return base_port + 1 + index


def bind_sockets(host: str, shared_port: int, own_port: int) -> list[socket.socket]:
    """The shared SO_REUSEPORT listener and the worker's own one."""
    shared = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    shared.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    shared.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    shared.bind((host, shared_port))
    own = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.bind((host, own_port))
    for sock in (shared, own):
        sock.set_inheritable(True)
    return [shared, own]


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class _Worker:
    def __init__(self, index: int, argv: list[str]) -> None:
        self.index = index
        self.argv = argv
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.backoff = 1.0
        self.not_before = 0.0
        self.restarts = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, preexec_fn=_die_with_parent)  # noqa: S603
        self.started = time.monotonic()
        log.info("worker %d started (pid %d)", self.index, self.proc.pid)

    def check(self, now: float) -> None:
        """Restart the worker if it died (after its backoff)."""
        if self.proc is not None:
            code = self.proc.poll()
            if code is None:
                return
            lived = now - self.started
            self.backoff = 1.0 if lived > HEALTHY_RUN_S else min(self.backoff * 2, MAX_BACKOFF_S)
            self.not_before = now + self.backoff
            log.warning(
                "worker %d exited (%s); restarting in %.0f s", self.index, code, self.backoff
            )
            self.proc = None
        if now >= self.not_before:
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, until: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.0, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def supervise(worker_argv: Sequence[Sequence[str]]) -> int:
    """Run one child per argv until SIGTERM/SIGINT, restarting those that die."""
    stopping = False

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    workers = [_Worker(i, list(argv)) for i, argv in enumerate(worker_argv)]
    try:
        for w in workers:
            w.start()
        while not stopping:
            time.sleep(0.2)
            now = time.monotonic()
            for w in workers:
                w.check(now)
    finally:
        for w in workers:
            w.stop()
        deadline = time.monotonic() + STOP_WAIT_S
        for w in workers:
            w.wait(deadline)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0


def worker_argv(config: str | None, host: str, port: int, workers: int) -> list[list[str]]:
    """The command line of each worker: `vms serve` with its index."""
    base = [sys.executable, "-m", "vms.cli", "serve", "--host", host, "--port", str(port)]
    if config:
        base += ["--config", config]
    return [[*base, "--workers", str(workers), "--worker-index", str(i)] for i in range(workers)]
