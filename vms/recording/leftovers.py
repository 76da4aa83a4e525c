"""Segments left open by a recording process that is gone, closed by one that is running.

On a site of several processes each records the cameras it holds, in one shared recordings
directory. A process killed mid-segment leaves that segment `open` in the index; whoever runs
next closes it (`RecordingStore.recover_open`: the torn tail cut, what is whole indexed):

- at start, every open segment except those of cameras another live node holds now (their
  writers are alive; a one-process site has none);
- while running (every `CHECK_S`), those not written here whose indexed end is older than
  `orphan_s`: a live writer indexes its open segment every `INDEX_EVERY_S` while packets come
  and closes it `idle_close_s` after they stop, so an older one has no writer - also not
  one handing the camera over cleanly, which closes its segment within a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta

from vms.recording.config import RecordingConfig
from vms.recording.segmenter import INDEX_EVERY_S
from vms.recording.store import RecordingStore

log = logging.getLogger(__name__)

CHECK_S = 5.0

HeldElsewhere = Callable[[Collection[int]], Awaitable[set[int]]]


def orphan_after_s(config: RecordingConfig) -> float:
    """How old an open segment's indexed end must be before nobody can be writing it."""
    return config.idle_close_s + 2 * INDEX_EVERY_S + config.fragment_s


async def close_left_open(
    store: RecordingStore,
    writing: Callable[[], set[int]],
    config: RecordingConfig,
    held_elsewhere: HeldElsewhere,
    *,
    at_start: bool,
) -> int:
    """Close the open segments no live process writes (see the module; `writing`: the ids of
    the segments this process writes now). Returns how many."""
    rows = await asyncio.to_thread(store.open_segments)
    if not at_start:
        mine = writing()
        stale = datetime.now(UTC) - timedelta(seconds=orphan_after_s(config))
        rows = [r for r in rows if r.id not in mine and r.end < stale]
    if not rows:
        return 0
    try:
        busy = await held_elsewhere({r.camera_id for r in rows})
    except Exception as exc:  # Redis unreachable: whose they are is unknown, so wait
        log.warning("recording: cannot tell who writes %d open segments (%s)", len(rows), exc)
        return 0
    ids = [r.id for r in rows if r.camera_id not in busy]
    closed = await asyncio.to_thread(store.recover_open, ids)
    if closed:
        log.warning("recording: closed %d segments a stopped process left open", closed)
    return closed
