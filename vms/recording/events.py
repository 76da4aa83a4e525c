"""The events a playback timeline marks: event-recording triggers of a camera stream, read
from the audit trail (`recording.trigger`, written by the trigger route), so the timeline
shows exactly what was asked and when. Only the moment, the post-roll and the reason: who
asked stays in the audit trail, for those who may read it. Blocking (SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.db.models.identity import AuditRecord

TRIGGER = "recording.trigger"
MAX_EVENTS = 500  # most marks one listing returns (the newest)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    until: datetime
    kind: str
    reason: str


def timeline_events(
    session: Session, camera_id: int, stream: str, start: datetime, end: datetime
) -> list[TimelineEvent]:
    """The triggers of `camera_id`'s `stream` at `start` <= at < `end`, oldest first."""
    query = (
        select(AuditRecord.at, AuditRecord.detail)
        .where(
            AuditRecord.action == TRIGGER,
            AuditRecord.outcome == "ok",
            AuditRecord.camera_id == camera_id,
            AuditRecord.at >= start,
            AuditRecord.at < end,
        )
        .order_by(AuditRecord.at.desc())
        .limit(MAX_EVENTS)
    )
    events = []
    for at, detail in session.execute(query):
        if detail.get("stream", "main") != stream:
            continue
        moment = as_utc(at)
        post_roll = float(detail.get("post_roll_s") or 0)
        reason = str(detail.get("reason") or "")
        events.append(
            TimelineEvent(moment, moment + timedelta(seconds=post_roll), "trigger", reason)
        )
    return events[::-1]
