"""Retention: delete the oldest recordings first, by age and by bytes on the volume, and never
a segment that overlaps an evidence lock (`recording_locks`). Blocking: call in a thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from vms.access import as_utc
from vms.db.models.recording import RecordingGap, RecordingLock, RecordingSegment
from vms.recording.config import RecordingConfig
from vms.recording.store import RecordingStore

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What one run deleted, and what it had to keep though over quota (locked)."""

    deleted: int
    freed_bytes: int
    kept_locked: int
    total_bytes: int


def apply_retention(
    store: RecordingStore, config: RecordingConfig, now: datetime
) -> RetentionResult:
    """Delete closed segments older than `retention_days`, then the oldest ones until the
    volume holds at most `max_bytes`; locked ranges are skipped."""
    cutoff = now - timedelta(days=config.retention_days)
    with store.db.session() as session:
        locks = [
            (lk.camera_id, lk.stream, as_utc(lk.start), as_utc(lk.end))
            for lk in session.scalars(select(RecordingLock))
        ]
        total = int(session.scalar(select(func.sum(RecordingSegment.bytes))) or 0)
        rows = session.execute(
            select(
                RecordingSegment.id,
                RecordingSegment.camera_id,
                RecordingSegment.stream,
                RecordingSegment.start,
                RecordingSegment.end,
                RecordingSegment.bytes,
                RecordingSegment.path,
            )
            .where(RecordingSegment.state == "closed")
            .order_by(RecordingSegment.start)
        ).all()
    deleted = freed = kept = 0
    doomed: list[int] = []
    for seg_id, camera_id, stream, start, end, size, rel in rows:
        s, e = as_utc(start), as_utc(end)
        too_old = e < cutoff
        too_big = config.max_bytes > 0 and total > config.max_bytes
        if not (too_old or too_big):
            break  # oldest first: nothing later is due either
        if any(
            c == camera_id and (st is None or st == stream) and ls < e and le > s
            for c, st, ls, le in locks
        ):
            kept += 1
            continue
        store.absolute(rel).unlink(missing_ok=True)
        doomed.append(seg_id)
        total -= size
        freed += size
        deleted += 1
    for i in range(0, len(doomed), BATCH):
        with store.db.session() as session:
            session.execute(
                delete(RecordingSegment).where(RecordingSegment.id.in_(doomed[i : i + BATCH]))
            )
    with store.db.session() as session:  # gaps older than what is kept say nothing any more
        session.execute(delete(RecordingGap).where(RecordingGap.end < cutoff))
    if config.max_bytes > 0 and total > config.max_bytes:
        log.error(
            "recordings hold %d bytes, over the %d quota; %d segments are evidence-locked",
            total,
            config.max_bytes,
            kept,
        )
    if deleted:
        log.info("retention deleted %d segments (%d bytes)", deleted, freed)
    return RetentionResult(deleted, freed, kept, total)
