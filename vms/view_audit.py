"""Every live view is accountable to a person: its start and end go to the audit trail.

The relay manager reports each WHEP session's start and end (on the event loop); the records -
camera, user, agency, client address, stream, duration, why it ended - are written by one task
of this class off the loop, in order, through a bounded queue (a full queue drops the record
with an error line and counts it in `dropped`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from relay.session import ViewerSession
from vms.access import decide
from vms.audit import AuditEntry, AuditTrail
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.emergency.override import Override

log = logging.getLogger(__name__)

QUEUE_MAX = 10_000
DRAIN_S = 5.0


class ViewAudit:
    """Turns view start/end callbacks into audit records; owns the writer task."""

    def __init__(
        self,
        audit: AuditTrail,
        db: Database,
        emergency: Callable[[], Override | None] = lambda: None,
        *,
        maxsize: int = QUEUE_MAX,
    ) -> None:
        self.audit = audit
        self.db = db
        self.emergency = emergency
        self.dropped = 0
        self.written = 0
        self._queue: asyncio.Queue[AuditEntry] = asyncio.Queue(maxsize)
        self._task: asyncio.Task[None] | None = None
        # session id -> (viewer, override, when) for views started while a declaration was open
        self._marks: dict[str, tuple[Principal, Override, datetime]] = {}

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._write(), name="view-audit")

    async def stop(self) -> None:
        """Write what is queued (bounded wait), then end the writer."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), DRAIN_S)
        except TimeoutError:
            log.error("%d live-view audit records not written at stop", self._queue.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def started(self, session: ViewerSession) -> None:
        """A view began (call on the loop)."""
        entry = _entry(session, "view.start", {})
        override = self.emergency()
        if override is not None and session.viewer.principal is not None:
            # which rule allowed this view is decided now (at start), off the loop in _append
            self._marks[session.id] = (session.viewer.principal, override, datetime.now(UTC))
        self._put(entry)

    def ended(self, session: ViewerSession) -> None:
        """A view ended (call on the loop); records how long it ran and why it ended."""
        detail = {
            "duration_s": round(time.monotonic() - session.created, 3),
            "reason": session.close_reason,
        }
        self._put(_entry(session, "view.end", detail))

    def _put(self, entry: AuditEntry) -> None:
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("live-view audit queue full: %s record dropped", entry.action)

    async def _write(self) -> None:
        while True:
            entry = await self._queue.get()
            try:
                await asyncio.to_thread(self._append, entry)
                self.written += 1
            except Exception:
                log.exception("writing the live-view audit record %s failed", entry.action)
            finally:
                self._queue.task_done()

    def _append(self, entry: AuditEntry) -> None:
        """Name the camera's agency (agency administrators read who watched their cameras)."""
        if entry.camera_id is not None:
            with self.db.session() as session:
                camera = session.get(Camera, entry.camera_id)
                owner = camera.agency_id if camera is not None else None
                mark = self._emergency_mark(entry, camera)
            entry = replace(entry, camera_agency_id=owner, detail={**entry.detail, **mark})
        self.audit.append(entry)

    def _emergency_mark(self, entry: AuditEntry, camera: Camera | None) -> dict[str, object]:
        """`{"emergency_id": N}` when only the override allowed this view; else nothing."""
        session_id = str(entry.detail.get("session_id"))
        mark = self._marks.get(session_id)
        if entry.action == "view.end":
            self._marks.pop(session_id, None)
        if mark is None or camera is None:
            return {}
        principal, override, at = mark
        decision = decide(principal, Permission.VIEW_LIVE, camera, at, emergency=override)
        if decision.emergency_id is None:
            return {}
        return {"emergency_id": decision.emergency_id, "under_emergency": True}


def _entry(session: ViewerSession, action: str, extra: dict[str, object]) -> AuditEntry:
    viewer = session.viewer
    principal = viewer.principal
    return AuditEntry(
        action=action,
        user_id=principal.user_id if principal else None,
        username=principal.username if principal else viewer.user,
        agency_id=principal.agency_id if principal else None,
        camera_id=session.key.camera_id,
        client_addr=viewer.address,
        detail={"stream": session.key.stream, "session_id": session.id, **extra},
    )
