"""Running live views stay within access: the moment access changes, every view is re-decided.

A grant revoked, a user disabled or signed out, a role changed - each publishes
"access.changed" - and a camera edited or imported ("camera.changed": its tags under a tag
grant, the central link the national account sees by); the watcher then asks
`vms.access.decide` again for every running WHEP session (with the viewer's principal
reloaded from the database) and ends those no longer allowed. It
also re-checks every `recheck_s`, so grants that expire or leave their daily hours end views too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relay.manager import RelayManager
from vms.access import as_utc, decide
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.auth.sessions import Authenticator
from vms.bus_listener import BusListener
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.emergency.override import Override
from vms.events import EventBus, EventSubscription

log = logging.getLogger(__name__)

TOPIC = "access.changed"
CAMERA_CHANGED = "camera.changed"
RECHECK_S = 30.0
REVOKED = "access revoked"
SIGNED_OUT = "viewer signed out or was disabled"


@dataclass(frozen=True, slots=True)
class RunningView:
    """What a decision needs to know about one running view."""

    session_id: str
    principal: Principal | None
    camera_id: int


class ViewAccessWatcher:
    """Owns the task that ends live views whose viewer may no longer watch."""

    def __init__(
        self,
        relay: RelayManager,
        db: Database,
        auth: Authenticator,
        events: EventBus,
        *,
        recheck_s: float = RECHECK_S,
        emergency: Callable[[], Override | None] = lambda: None,
    ) -> None:
        self.relay = relay
        self.db = db
        self.auth = auth
        self.events = events
        self.recheck_s = recheck_s
        self.emergency = emergency
        self.ended_total = 0
        self._listener = BusListener(events, (TOPIC, CAMERA_CHANGED), self._run, name="view-access")

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()

    async def _run(self, sub: EventSubscription) -> None:
        while not sub.closed:
            wait = await asyncio.to_thread(self._wait_s)
            await sub.get(wait)  # an access change, the periodic re-check, or an expiry
            while await sub.get(0) is not None:  # a burst of changes is one pass
                pass
            try:
                await self.check()
            except Exception:
                log.exception("re-deciding running live views failed; retrying on the next change")

    def _wait_s(self) -> float:
        """Until the next periodic re-check, or sooner: just past the end of an emergency in
        force, so views only it allowed end when it expires (blocking on a cache miss)."""
        override = self.emergency()
        if override is None or override.ends_at is None or not override.in_force(_now()):
            return self.recheck_s
        left = (as_utc(override.ends_at) - _now()).total_seconds() + 0.05
        return max(0.05, min(self.recheck_s, left))

    async def check(self) -> int:
        """Re-decide every running view now; returns how many were ended."""
        views = [
            RunningView(s.id, s.viewer.principal, s.key.camera_id) for s in self.relay.running()
        ]
        if not views:
            return 0
        verdicts = await asyncio.to_thread(self._decide_all, views)
        for session_id, reason in verdicts.items():
            log.info("ending live view %s: %s", session_id, reason)
            await self.relay.close(session_id, reason)
        self.ended_total += len(verdicts)
        return len(verdicts)

    def _decide_all(self, views: list[RunningView]) -> dict[str, str]:
        """Session id -> why it must end, for the views no longer allowed (blocking: SQL)."""
        now = datetime.now(UTC)
        override = self.emergency()
        with self.db.session() as session:
            cameras = _cameras(session, {v.camera_id for v in views})
            fresh: dict[tuple[int, str, int | None], Principal | None] = {}
            ending: dict[str, str] = {}
            for view in views:
                if view.principal is None:
                    continue  # a view opened without sign-in (not served by the API)
                p = view.principal
                key = (p.user_id, p.via, p.credential_id)
                if key not in fresh:
                    fresh[key] = self.auth.refresh(session, p)
                principal = fresh[key]
                camera = cameras.get(view.camera_id)
                if principal is None:
                    ending[view.session_id] = SIGNED_OUT
                elif camera is None or camera.state == "retired":
                    ending[view.session_id] = "camera removed"
                elif not decide(principal, Permission.VIEW_LIVE, camera, now, emergency=override):
                    ending[view.session_id] = REVOKED
            return ending


def _now() -> datetime:
    return datetime.now(UTC)


def _cameras(session: Session, ids: set[int]) -> dict[int, Camera]:
    stmt = select(Camera).where(Camera.id.in_(ids)).options(selectinload(Camera.tag_rows))
    return {c.id: c for c in session.scalars(stmt)}
