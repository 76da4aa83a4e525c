"""Keeps ingest pulling exactly the registry's active cameras.

On start, on every `camera.changed` event and every `RESYNC_S` as a safety net (changes made
by `vms cameras import` in another process), it builds one StreamSpec per active camera stream
(main, and sub when set) and hands the whole set to the ingest supervisor's `apply`. This is
the only place where a camera's credentials leave the database, and they travel in the
StreamSpec beside the URL, never inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Literal, Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ingest.packet import StreamKey
from ingest.spec import PullMode, StreamSpec
from vms.credentials.store import reveal
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.events import EventBus, EventSubscription

log = logging.getLogger(__name__)

RESYNC_S = 60.0
DEBOUNCE_S = 0.2


class IngestTarget(Protocol):
    """What the sync needs from ingest: make the pulled streams match a full set of specs."""

    async def apply(self, specs: Iterable[StreamSpec]) -> None: ...


def build_specs(db: Database) -> list[StreamSpec]:
    """StreamSpecs of every active camera, ordered by camera id. Blocking: call in a thread."""
    with db.session() as session:
        query = (
            select(Camera)
            .where(Camera.state == "active")
            .options(selectinload(Camera.credential))
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
                pull_mode=cast(PullMode, camera.pull_mode),
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
    ) -> None:
        self._db = db
        self._events = events
        self._ingest = ingest
        self._resync_s = resync_s
        self._task: asyncio.Task[None] | None = None
        self._sub: EventSubscription | None = None
        self.runs = 0
        self.last_specs: list[StreamSpec] = []

    async def start(self) -> None:
        """Reconcile once now, then follow registry changes in the background."""
        self._sub = self._events.subscribe("camera.changed", maxsize=100)
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
        specs = await asyncio.to_thread(build_specs, self._db)
        await ingest.apply(specs)
        self.last_specs = specs
        self.runs += 1
        log.info("camera sync: %d streams to pull", len(specs))

    async def _follow(self, sub: EventSubscription) -> None:
        while True:
            event = await sub.get(wait_s=self._resync_s)
            if event is not None:
                await asyncio.sleep(DEBOUNCE_S)  # one reconcile for a burst of changes
                while await sub.get(wait_s=0) is not None:
                    pass
            try:
                await self.reconcile()
            except Exception:
                log.exception("camera sync failed; retrying on the next change or resync")
