"""Stopping a worker thread that is blocked inside FFmpeg (open or read) within ~0.1 s.

PyAV's interrupt callback (installed by `av.open(timeout=...)`) is the only way out of a
blocking FFmpeg call, and it fires only when `time.monotonic()` passes a deadline; PyAV offers
no call to fire it on demand. While a timeout is armed (during the open), the callback looks
`time` up in `av.container.core`'s module globals each time, so we put a clock there that is
exact for every thread except one whose bound stop event is set: for that thread the clock
jumps far ahead, the deadline has passed, and FFmpeg aborts the call at its next interrupt
check (network waits poll every 100 ms).

`install()` checks that PyAV still works this way and says so if not (stopping then falls back
to the connect timeout); `bind(event)` ties the calling thread to its stop event. Reads run
without the callback (it costs the GIL per socket wait), so `wake()` ends a blocked read.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import socket
import stat
import threading
import time
import types
from pathlib import Path
from typing import Any

import av.container.core

log = logging.getLogger(__name__)

_JUMP_S = 1e9  # far beyond any open/read timeout


class _StopAwareClock:
    """A stand-in for the `time` module: `monotonic()` jumps ahead for a stopping thread."""

    def __init__(self, real: types.ModuleType) -> None:
        self._real = real
        self._local = threading.local()

    def bind(self, stop: threading.Event | None) -> None:
        self._local.stop = stop

    def monotonic(self) -> float:
        now: float = self._real.monotonic()
        stop: threading.Event | None = getattr(self._local, "stop", None)
        if stop is not None and stop.is_set():
            return now + _JUMP_S
        return now

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


_clock = _StopAwareClock(time)
_lock = threading.Lock()
_installed = False


def install() -> bool:
    """Put the stop-aware clock into PyAV; False (and a warning) if PyAV no longer allows it."""
    global _installed
    with _lock:
        if _installed:
            return True
        core: Any = av.container.core
        if getattr(core, "time", None) is not time:
            log.warning(
                "PyAV's interrupt callback changed: stopping a silent camera waits for the "
                "read timeout"
            )
            return False
        core.time = _clock
        _installed = True
        return True


def bind(stop: threading.Event | None) -> None:
    """Make FFmpeg calls of the current thread abort once `stop` is set (None unbinds)."""
    _clock.bind(stop)


# poll()/ppoll() syscall numbers: where FFmpeg waits for a socket (tcp/udp reads, every 100 ms).
_POLL_SYSCALLS = {"x86_64": (7, 271), "aarch64": (73,)}.get(platform.machine(), ())


def wake(native_id: int) -> bool:
    """Shut down the sockets the thread `native_id` (of this process) is polling; Linux only.

    For a read that PyAV's interrupt callback does not watch (reads run without it, see
    source.py): the thread's current syscall comes from /proc, and if it is poll() its pollfd
    array is in this process's memory. Shutting a socket down makes the pending read return
    end-of-stream at once; the worker, already told to stop, then leaves. False if the thread
    was not waiting on a socket.
    """
    try:
        fields = Path(f"/proc/self/task/{native_id}/syscall").read_text().split()
        if not fields or not fields[0].isdigit() or int(fields[0]) not in _POLL_SYSCALLS:
            return False
        pollfds, nfds = int(fields[1], 16), int(fields[2], 16)
    except (OSError, ValueError, IndexError):
        return False
    if not pollfds or not 0 < nfds <= 16:
        return False
    woke = False
    for i in range(nfds):
        fd = ctypes.c_int.from_address(pollfds + i * _POLLFD_SIZE).value
        woke |= _shutdown_socket(fd)
    return woke


_POLLFD_SIZE = 8  # struct pollfd {int fd; short events; short revents;}


def _shutdown_socket(fd: int) -> bool:
    try:
        if fd < 0 or not stat.S_ISSOCK(os.fstat(fd).st_mode):
            return False
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    finally:
        sock.close()  # closes our duplicate only; FFmpeg closes its own descriptor
    return True
