"""Playback windows, built once and kept a short while, so the range requests a player makes
for one window read the same bytes. Bounded by total bytes; blocking (call in a thread)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from vms.recording.clips import ClipFormat, ClipSource, encode, read_window

CACHE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Played:
    """One built window: its bytes and the wall-clock range its pictures really cover."""

    data: bytes
    start: datetime
    end: datetime


WindowKey = tuple[int, str, datetime, float, str]


class PlaybackCache:
    """Least recently used windows, at most `limit` bytes in all."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._items: OrderedDict[WindowKey, Played] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def window(
        self,
        source: ClipSource,
        camera_id: int,
        stream: str,
        start: datetime,
        duration_s: float,
        fmt: ClipFormat,
    ) -> Played:
        """The window [start, start + duration_s) in `fmt`. LookupError: nothing recorded.
        Windows touching the last minute are rebuilt (still being recorded)."""
        key: WindowKey = (camera_id, stream, start, duration_s, fmt)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        end = start + timedelta(seconds=duration_s)
        win = read_window(source, camera_id, stream, start, end)
        played = Played(encode(win, fmt), win.start, win.end)
        if end < datetime.now(start.tzinfo) - timedelta(minutes=1):
            self._put(key, played)
        return played

    def _put(self, key: WindowKey, played: Played) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = played
            self._bytes += len(played.data)
            while self._bytes > self.limit and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.data)
