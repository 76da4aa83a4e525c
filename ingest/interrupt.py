"""Stopping a worker thread that is blocked inside FFmpeg (open or read) within ~0.1 s.

Nothing here touches a socket: the only way out of a blocking FFmpeg call that cannot harm
anyone else is FFmpeg's own interrupt callback, which PyAV installs (`av.open(timeout=...)`)
on the container and on every connection FFmpeg opens for it. It aborts the call at FFmpeg's
next interrupt check (network waits poll every 100 ms) once a deadline has passed.

* During the open, the deadline is armed (the connect timeout) and the callback reads the
  clock through `av.container.core`'s module global `time`: we put a clock there that is exact
  for every thread except one whose bound stop event is set (`install()`, `bind()`).
* During reads the deadline is disarmed (timeout -1): the callback then returns at once without
  the GIL, which is why reads cost what they cost (arming it takes the GIL per socket wait,
  ~40 % more CPU at 100 cameras, bench/ingest_bench.py). To stop a read, `ReadInterrupt.fire()`
  arms it with a zero timeout by writing PyAV's per-container `timeout_info` struct: the next
  check aborts the read. It is the container's own state, so only that container's calls end;
  the struct lives inside the container object, which the `ReadInterrupt` keeps alive.

PyAV exposes no handle to that struct, so `ReadInterrupt.arm()` finds it right after the
`open_timeout` and `read_timeout` attributes in the object (PyAV's declared layout) and checks
what it holds (a disarmed timeout and a start time taken during the open) before ever writing.
If the layout moved, it says so once and stopping waits for the stall timeout instead;
tests/ingest/test_interrupt.py fails first (pyproject bounds PyAV to the tested versions).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
import types
from typing import Any

import av.container
import av.container.core

log = logging.getLogger(__name__)

_JUMP_S = 1e9  # far beyond any open/read timeout
_WORD = ctypes.sizeof(ctypes.c_void_p)


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
_layout_warned = False


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
    """Make FFmpeg opens of the current thread abort once `stop` is set (None unbinds)."""
    _clock.bind(stop)


class ReadInterrupt:
    """Ends the blocking reads of one open container, from any thread, touching nothing else."""

    def __init__(self, container: av.container.InputContainer, address: int) -> None:
        self._container = container  # keeps the struct's memory alive
        self._info = (ctypes.c_double * 2).from_address(address)  # start_time, timeout
        self.fired = False

    @classmethod
    def arm(
        cls, container: av.container.InputContainer, opened_after: float
    ) -> ReadInterrupt | None:
        """The interrupt of `container`, opened (with a timeout) no earlier than `opened_after`
        (time.monotonic()); None if PyAV's layout is not the one we know."""
        address = _timeout_info_address(container, opened_after)
        if address is None:
            _warn_layout()
            return None
        return cls(container, address)

    def fire(self) -> None:
        """Arm the container's interrupt with a deadline already passed: FFmpeg's next check
        (within ~0.1 s of a network wait) aborts the read with an exit error."""
        self.fired = True
        self._info[1] = 0.0  # timeout 0 s after the read's start: already passed


def _timeout_info_address(container: Any, opened_after: float) -> int | None:
    """Where PyAV's `timeout_info` of `container` is, checked; None if not found as expected."""
    base, size = id(container), type(container).__basicsize__
    words = (ctypes.c_size_t * (size // _WORD)).from_address(base)
    open_id, read_id = id(container.open_timeout), id(container.read_timeout)
    now = time.monotonic()
    for i in range(len(words) - 3):
        if words[i] != open_id or words[i + 1] != read_id:
            continue
        address = base + (i + 2) * _WORD
        start_time, timeout = (ctypes.c_double * 2).from_address(address)
        if timeout == -1.0 and opened_after <= start_time <= now:
            return address
    return None


def _warn_layout() -> None:
    global _layout_warned
    if not _layout_warned:
        _layout_warned = True
        log.warning(
            "PyAV's container layout changed: stopping a silent camera waits for the stall timeout"
        )
