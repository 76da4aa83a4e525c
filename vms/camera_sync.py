"""Keeps ingest pulling exactly the registry's active cameras.

On start, on every `camera.changed` event and every `RESYNC_S` as a safety net (changes made
by `vms cameras import` in another process), it builds one StreamSpec per active camera stream
(main, and sub when set) and hands the whole set to the ingest supervisor's `apply`. This is
the only place where a camera's credentials leave the database, and they travel in the
StreamSpec beside the URL, never inside it.

While the governor's emergency is in force, an on-demand camera in its scope is pulled always
(its spec says "always"), so its video is there the moment the governor's office looks and is
recorded by whoever reads the bus; the registry's own pull mode is never written. The sync also
follows `emergency.*` events and wakes just past `ends_at`, so at the end (or expiry) the
cameras go back to on demand within a second, on every process that runs ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal, Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ingest.packet import StreamKey
from ingest.spec import PullMode, StreamSpec
from vms.access import as_utc
from vms.credentials.store import reveal
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.emergency.override import Override
from vms.emergency.service import CACHE_S
from vms.events import EventBus, EventSubscription

log = logging.getLogger(__name__)

RESYNC_S = 60.0
DEBOUNCE_S = 0.2
EXPIRY_MARGIN_S = 0.05


class IngestTarget(Protocol):
    """What the sync needs from ingest: make the pulled streams match a full set of specs."""

    async def apply(self, specs: Iterable[StreamSpec]) -> None: ...


def pull_mode(camera: Camera, emergency: Override | None, now: datetime) -> PullMode:
    """The camera's pull mode now: its own, or "always" while an emergency covers it."""
    mode = cast(PullMode, camera.pull_mode)
    if mode == "on_demand" and emergency is not None and emergency.in_force(now):
        if emergency.in_scope(camera):
            return "always"
    return mode


def build_specs(
    db: Database, emergency: Override | None = None, now: datetime | None = None
) -> list[StreamSpec]:
    """StreamSpecs of every active camera, ordered by camera id (on-demand cameras in the
    scope of the emergency `emergency` in force at `now` pulled always). Blocking."""
    moment = now or datetime.now(UTC)
    with db.session() as session:
        query = (
            select(Camera)
            .where(Camera.state == "active")
            .options(selectinload(Camera.credential), selectinload(Camera.tag_rows))
            .order_by(Camera.id)
        )
        specs: list[StreamSpec] = []
        for camera in session.scalars(query):
            cred = reveal(session, camera)
            main = StreamSpec(
                StreamKey(camera.id, "main"),
                camera.main_url,
                username=cred[0] if cred else None,
                password=cred[1] if cred else None,
                transport=cast(Literal["tcp", "udp"] | None, camera.rtsp_transport),
                pull_mode=pull_mode(camera, emergency, moment),
            )
            specs.append(main)
            if camera.sub_url:
                specs.append(replace(main, key=StreamKey(camera.id, "sub"), url=camera.sub_url))
        return specs


class CameraSync:
    """Owns the reconcile task; `start()` runs a first reconcile, `stop()` cancels the task."""

    def __init__(
        self,
        db: Database,
        events: EventBus,
        ingest: Callable[[], IngestTarget | None],
        *,
        resync_s: float = RESYNC_S,
        emergency: Callable[[], Override | None] = lambda: None,
    ) -> None:
        self._db = db
        self._emergency = emergency
        self._ends_at: datetime | None = None
        self._events = events
        self._ingest = ingest
        self._resync_s = resync_s
        self._task: asyncio.Task[None] | None = None
        self._sub: EventSubscription | None = None
        self.runs = 0
        self.last_specs: list[StreamSpec] = []

    async def start(self) -> None:
        """Reconcile once now, then follow registry changes in the background."""
        self._sub = self._events.subscribe("camera.changed", "emergency.", maxsize=100)
        await self.reconcile()
        self._task = asyncio.create_task(self._follow(self._sub), name="camera-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._sub is not None:
            self._sub.close()
            self._sub = None

    async def reconcile(self) -> None:
        """Read the registry (in a thread) and apply it to ingest, if ingest runs here."""
        ingest = self._ingest()
        if ingest is None:
            return
        specs = await asyncio.to_thread(self._build)
        await ingest.apply(specs)
        self.last_specs = specs
        self.runs += 1
        log.info("camera sync: %d streams to pull", len(specs))

    def _build(self) -> list[StreamSpec]:
        now = datetime.now(UTC)
        emergency = self._emergency()
        in_force = emergency is not None and emergency.in_force(now)
        self._ends_at = emergency.ends_at if in_force and emergency is not None else None
        return build_specs(self._db, emergency, now)

    def _wait_s(self) -> float:
        """Until the next safety resync, or just past the emergency's end if sooner."""
        if self._ends_at is None:
            return self._resync_s
        left = (as_utc(self._ends_at) - datetime.now(UTC)).total_seconds() + EXPIRY_MARGIN_S
        return max(EXPIRY_MARGIN_S, min(self._resync_s, left))

    async def _follow(self, sub: EventSubscription) -> None:
        while True:
            event = await sub.get(wait_s=self._wait_s())
            emergency = event is not None and event.topic.startswith("emergency.")
            if event is not None:
                await asyncio.sleep(DEBOUNCE_S)  # one reconcile for a burst of changes
                while (more := await sub.get(wait_s=0)) is not None:
                    emergency = emergency or more.topic.startswith("emergency.")
            await self._reconcile_logged()
            if emergency:  # once more when no process's state cache can be older than the event
                await asyncio.sleep(CACHE_S)
                await self._reconcile_logged()

    async def _reconcile_logged(self) -> None:
        try:
            await self.reconcile()
        except Exception:
            log.exception("camera sync failed; retrying on the next change or resync")
