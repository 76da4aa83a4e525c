"""The recording part of a running server: recorder, index, retention, owned together.

`start()` closes what a crash left open (`vms/recording/leftovers.py`), then keeps the recorded
set - of the cameras this process holds, on a site of several - in step with the registry
(on `camera.changed` and every `RESYNC_S`) and with the governor's emergency (on `emergency.*`
events, and on every tick whose view of it differs from the last reconcile: that is how expiry,
which announces nothing, is followed within a second) and with the site's leases (each tick),
closes segments a stopped process left open, and runs retention every `retention_interval_s`.
It is what routes and the evidence workflow reach as `services.recordings`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.frame_bus import FrameBus
from ingest.packet import StreamKey
from vms.bus_listener import BusListener
from vms.db.engine import Database
from vms.emergency.override import Override
from vms.errors import Unavailable
from vms.events import EventBus, EventSubscription
from vms.recording.config import RecordingConfig
from vms.recording.leftovers import CHECK_S, HeldElsewhere, close_left_open
from vms.recording.playback import PlaybackCache
from vms.recording.policy import recorded_streams
from vms.recording.recorder import Recorder
from vms.recording.retention import RetentionResult, apply_retention
from vms.recording.store import Interval, RecordingStore, SegmentRef

log = logging.getLogger(__name__)

RESYNC_S = 30.0
EVENT_TICK_S = 1.0  # how often event recordings' post-roll is checked
DEBOUNCE_S = 0.2


async def _nobody_else(_cameras: Collection[int]) -> set[int]:
    return set()


class RecordingService:
    """Owns the recorder and the retention/sync task; a `ClipSource` for clips."""

    def __init__(
        self,
        config: RecordingConfig,
        db: Database,
        bus: FrameBus,
        events: EventBus,
        offline_reason: Callable[[StreamKey], str | None] = lambda _key: None,
        emergency: Callable[[], Override | None] = lambda: None,
        holds: Callable[[int], bool] = lambda _camera: True,
        held_elsewhere: HeldElsewhere = _nobody_else,
        leads: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self.store = RecordingStore(db, Path(config.directory))
        self.recorder = Recorder(bus, self.store, config, offline_reason)
        self.events = events
        self.playback = PlaybackCache()
        self.last_retention: RetentionResult | None = None
        self._emergency = emergency  # the open declaration (cached; blocking on a miss)
        self.forced_by: int | None = None  # the emergency in force at the last reconcile
        self._holds = holds
        self._held_elsewhere = held_elsewhere
        self._leads = leads  # retention over the site's shared index runs on the leader only
        self._policy: list[StreamKey] = []  # what the policy selects site-wide
        self._listener = BusListener(
            events, ("camera.changed", "emergency."), self._follow, name="rec"
        )

    async def start(self) -> None:
        if not self.config.enabled:
            return
        await self._close_left_open(at_start=True)
        await self.reconcile()
        # the listener's first pass reconciles again: a change made before it subscribed is
        # not missed
        await self._listener.start()

    async def _close_left_open(self, *, at_start: bool) -> int:
        writing = self.recorder.open_segment_ids
        return await close_left_open(
            self.store, writing, self.config, self._held_elsewhere, at_start=at_start
        )

    async def stop(self) -> None:
        await self._listener.stop()
        await self.recorder.stop()

    async def reconcile(self) -> None:
        """Record exactly the streams the policy (and an emergency in force) selects now, of
        the cameras this process holds (all of them on a one-process site)."""
        self._policy = await asyncio.to_thread(self._wanted)
        await self.recorder.apply(self._held_keys())

    def _held_keys(self) -> list[StreamKey]:
        return [k for k in self._policy if self._holds(k.camera_id)]

    def _wanted(self) -> list[StreamKey]:
        now = datetime.now(UTC)
        emergency = self._emergency()
        self.forced_by = _in_force(emergency, now)
        return recorded_streams(self.store.db, self.config, emergency, now)

    def _emergency_moved(self) -> bool:
        """Whether the emergency in force differs from the one of the last reconcile."""
        return _in_force(self._emergency(), datetime.now(UTC)) != self.forced_by

    async def retention(self) -> RetentionResult:
        result = await asyncio.to_thread(
            apply_retention, self.store, self.config, datetime.now(UTC)
        )
        self.last_retention = result
        return result

    async def _follow(self, sub: EventSubscription) -> None:
        next_retention = next_resync = next_check = time.monotonic()
        while True:
            wait = max(0.0, min(RESYNC_S, EVENT_TICK_S, next_retention - time.monotonic()))
            event = await sub.get(wait_s=wait)
            try:
                if event is not None:
                    await asyncio.sleep(DEBOUNCE_S)
                    while await sub.get(wait_s=0) is not None:
                        pass
                await self.recorder.expire_events()
                moved = await asyncio.to_thread(self._emergency_moved)
                if event is not None or moved or time.monotonic() >= next_resync:
                    next_resync = time.monotonic() + RESYNC_S
                    await self.reconcile()
                elif set(held := self._held_keys()) != self.recorder.continuous:
                    await self.recorder.apply(held)  # the site moved cameras to or from here
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_S
                    await self._close_left_open(at_start=False)
                if time.monotonic() >= next_retention:
                    next_retention = time.monotonic() + self.config.retention_interval_s
                    if self._leads():
                        await self.retention()
            except Exception:
                log.exception("recording sync/retention failed; retrying")

    async def trigger(self, camera_id: int, stream: str, post_roll_s: float) -> datetime:
        """Event recording of one stream: from the cached GOP until `post_roll_s` from now.
        Returns until when (wall clock)."""
        if not self.config.enabled:
            raise Unavailable("recording is disabled on this server ([recording] enabled)")
        await self.recorder.trigger(StreamKey(camera_id, stream), post_roll_s)  # type: ignore[arg-type]
        return datetime.now(UTC) + timedelta(seconds=post_roll_s)

    def is_continuous(self, camera_id: int, stream: str) -> bool:
        return StreamKey(camera_id, stream) in self.recorder.continuous  # type: ignore[arg-type]

    # --- for readers (playback, clips, evidence) --------------------------------------------

    def segments_covering(
        self, camera_id: int, stream: str, start: datetime, end: datetime
    ) -> list[SegmentRef]:
        return self.store.segments_covering(camera_id, stream, start, end)

    def timeline(
        self, camera_id: int, stream: str, start: datetime, end: datetime
    ) -> tuple[list[Interval], list[Interval]]:
        """Spans and gaps of [start, end), the gap the stream is in right now included.
        Blocking (SQL)."""
        spans, gaps = self.store.timeline(camera_id, stream, start, end)
        now_gap = self.recorder.current_gap(StreamKey(camera_id, stream))  # type: ignore[arg-type]
        if now_gap is not None and now_gap.start < end and now_gap.end > start:
            gaps.append(Interval(max(now_gap.start, start), min(now_gap.end, end), now_gap.reason))
        return spans, gaps

    def status(self) -> str:
        """'ok', or what is wrong (for /readyz and the administrators)."""
        full = self.recorder.disk_full
        if full:
            return f"disk full or failing: {len(full)} streams not recorded"
        return "ok"


def _in_force(emergency: Override | None, now: datetime) -> int | None:
    return emergency.id if emergency is not None and emergency.in_force(now) else None
