"""The availability alert: an agency whose cameras were up less than `[reports]
availability_alert_pct` of the last `alert_window_s` raises "uptime.below" (an event on the
bus and a record in the audit trail); "uptime.restored" when it is back above.

Measured from the same rows and the same arithmetic as the reports, so the alert and the
report agree. Which agencies are alerted is kept in memory: after a restart an agency still
below is announced once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from vms.audit import AuditEntry, AuditTrail
from vms.db.engine import Database
from vms.events import EventBus
from vms.uptime.config import ReportsConfig
from vms.uptime.report import build_report

log = logging.getLogger(__name__)

BELOW = "uptime.below"
RESTORED = "uptime.restored"


class AvailabilityAlert:
    """Owns the checking task; `evaluate(now)` is one pass (blocking: database)."""

    def __init__(
        self,
        config: ReportsConfig,
        db: Database,
        audit: AuditTrail,
        events: EventBus,
        announce: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        # on a site of several nodes each follows the figures, one speaks (the site's leader)
        self.announce = announce
        self.db = db
        self.audit = audit
        self.events = events
        self.alerted: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def evaluate(self, now: datetime) -> list[dict[str, object]]:
        """Measure every agency over the window ending `now`; raise and clear alerts. Returns
        the events published in this pass."""
        threshold = self.config.availability_alert_pct
        if threshold <= 0:
            return []
        start = now - timedelta(seconds=self.config.alert_window_s)
        with self.db.session() as session:
            report = build_report(
                session, start=start, end=now, agency_ids=None, now=now, site_name=""
            )
        published: list[dict[str, object]] = []
        speak = self.announce()
        for agency in report.agencies:
            figures = agency.total
            availability = figures.availability
            if availability is None or figures.measured_s < self.config.alert_min_measured_s:
                continue
            pct = round(availability * 100, 2)
            data: dict[str, object] = {
                "agency_id": agency.agency_id,
                "code": agency.code,
                "availability_pct": pct,
                "threshold_pct": threshold,
                "window_s": self.config.alert_window_s,
            }
            if pct < threshold and agency.agency_id not in self.alerted:
                topic = BELOW
                self.alerted.add(agency.agency_id)
                log.warning(
                    "agency %s cameras up %.1f %% (below %.1f %%)", agency.code, pct, threshold
                )
            elif pct >= threshold and agency.agency_id in self.alerted:
                topic = RESTORED
                self.alerted.discard(agency.agency_id)
            else:
                continue
            if not speak:
                continue
            self.audit.append(
                AuditEntry(action=topic, agency_id=agency.agency_id, detail=dict(data)), at=now
            )
            self.events.publish(topic, data)
            published.append({"topic": topic, **data})
        return published

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="availability-alert")

    async def stop(self) -> None:
        """Stop after the pass in flight (it uses the database, disposed after us)."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.check_interval_s)
            if self._stopping.is_set():
                return
            try:
                await asyncio.to_thread(self.evaluate, datetime.now(UTC))
            except Exception:
                log.exception("availability alert failed; retrying")
