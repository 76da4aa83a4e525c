"""The recordings index and the files it names: one place that reads and writes both.

Every path is relative to the recordings directory and built here from the camera, stream and
start time; `absolute()` refuses anything that would leave the directory. Blocking (SQL, file
I/O): call from a worker thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.db.engine import Database
from vms.db.models.recording import RecordingGap, RecordingLock, RecordingSegment
from vms.recording import fmp4

log = logging.getLogger(__name__)

JOIN_S = 1.0  # segments less than this apart make one span


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """One indexed segment, as readers need it."""

    id: int
    path: Path
    start: datetime
    end: datetime
    bytes: int
    state: str


@dataclass(frozen=True, slots=True)
class OpenSegment:
    """A segment the index holds as being written, and how far it was indexed."""

    id: int
    camera_id: int
    stream: str
    end: datetime


@dataclass(frozen=True, slots=True)
class Interval:
    """A span or a gap of a timeline; `reason` only for gaps."""

    start: datetime
    end: datetime
    reason: str | None = None


class RecordingStore:
    """The index (database) and the files (one directory, the storage volume)."""

    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root.resolve()

    # --- paths ------------------------------------------------------------------------------

    def new_path(self, camera_id: int, stream: str, start: datetime) -> str:
        """A fresh relative path `<camera>/<stream>/<YYYYMMDD>/<HHMMSS.mmm>.mp4` (unique)."""
        day = start.strftime("%Y%m%d")
        base = (
            f"{camera_id}/{stream}/{day}/{start.strftime('%H%M%S')}.{start.microsecond // 1000:03d}"
        )
        rel, n = f"{base}.mp4", 0
        while (self.root / rel).exists():
            n += 1
            rel = f"{base}-{n}.mp4"
        return rel

    def absolute(self, rel: str) -> Path:
        """The file of a relative path, never outside the recordings directory."""
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"recording path outside the recordings directory: {rel!r}")
        return path

    # --- writing the index ------------------------------------------------------------------

    def open_segment(
        self,
        camera_id: int,
        stream: str,
        start: datetime,
        rel: str,
        codec: str,
        size: tuple[int | None, int | None],
    ) -> int:
        with self.db.session() as session:
            row = RecordingSegment(
                camera_id=camera_id,
                stream=stream,
                start=start,
                end=start,
                bytes=0,
                path=rel,
                codec=codec,
                width=size[0],
                height=size[1],
                keyframes_ms=[],
                state="open",
            )
            session.add(row)
            session.flush()
            return row.id

    def update_segment(
        self, segment_id: int, end: datetime, size: int, keyframes_ms: list[int], *, closed: bool
    ) -> None:
        with self.db.session() as session:
            row = session.get(RecordingSegment, segment_id)
            if row is None:
                return
            row.end, row.bytes, row.keyframes_ms = end, size, list(keyframes_ms)
            if closed:
                row.state = "closed"

    def add_gap(
        self, camera_id: int, stream: str, start: datetime, end: datetime, reason: str
    ) -> None:
        if end <= start:
            return
        with self.db.session() as session:
            session.add(
                RecordingGap(
                    camera_id=camera_id, stream=stream, start=start, end=end, reason=reason
                )
            )

    def last_end(self, camera_id: int, stream: str) -> datetime | None:
        """Where the newest segment of a stream ends (None: never recorded)."""
        with self.db.session() as session:
            end = session.scalar(
                select(func.max(RecordingSegment.end)).where(
                    RecordingSegment.camera_id == camera_id, RecordingSegment.stream == stream
                )
            )
        return as_utc(end) if end is not None else None

    def open_segments(self) -> list[OpenSegment]:
        """Every segment the index holds as open (being written here, elsewhere, or left by a
        crash)."""
        query = select(
            RecordingSegment.id,
            RecordingSegment.camera_id,
            RecordingSegment.stream,
            RecordingSegment.end,
        ).where(RecordingSegment.state == "open")
        with self.db.session() as session:
            return [OpenSegment(i, c, st, as_utc(e)) for i, c, st, e in session.execute(query)]

    def recover_open(self, ids: Collection[int] | None = None) -> int:
        """Close the segments a crash left open (all, or those of `ids` still open): cut each
        file after its last whole fragment and index what is there; drop those with nothing
        playable. Returns how many. Nothing is touched while the directory is missing (a
        volume not mounted must not empty the index)."""
        if not self.root.is_dir():
            log.warning("recordings directory %s missing: crash recovery skipped", self.root)
            return 0
        query = select(RecordingSegment).where(RecordingSegment.state == "open")
        if ids is not None:
            if not ids:
                return 0
            query = query.where(RecordingSegment.id.in_(list(ids)))
        with self.db.session() as session:
            rows = list(session.scalars(query.with_for_update()))
            for row in rows:
                self._recover(session, row)
        return len(rows)

    def _recover(self, session: Session, row: RecordingSegment) -> None:
        path = self.absolute(row.path)
        try:
            parsed = fmp4.parse(path.read_bytes())
        except (OSError, fmp4.Fmp4Error) as exc:
            log.warning("recording %s unreadable after a crash (%s); dropped", row.path, exc)
            path.unlink(missing_ok=True)
            _delete(session, row)
            return
        if not parsed.samples:
            path.unlink(missing_ok=True)
            _delete(session, row)
            return
        if parsed.complete_bytes < path.stat().st_size:
            os.truncate(path, parsed.complete_bytes)
        start = as_utc(row.start)
        first = parsed.samples[0].time
        last = parsed.samples[-1]
        row.end = ticks_to_time(last.time + last.duration)
        row.bytes = parsed.complete_bytes
        row.keyframes_ms = [
            (s.time - first) * 1000 // fmp4.TIMESCALE for s in parsed.samples if s.keyframe
        ]
        row.start = min(start, ticks_to_time(first))
        row.state = "closed"

    # --- reading ----------------------------------------------------------------------------

    def segments_covering(
        self, camera_id: int, stream: str, start: datetime, end: datetime
    ) -> list[SegmentRef]:
        """Segments overlapping [start, end), oldest first."""
        with self.db.session() as session:
            rows = session.scalars(
                select(RecordingSegment)
                .where(
                    RecordingSegment.camera_id == camera_id,
                    RecordingSegment.stream == stream,
                    RecordingSegment.start < end,
                    RecordingSegment.end > start - timedelta(seconds=60),  # open: end lags
                )
                .order_by(RecordingSegment.start)
            )
            return [
                SegmentRef(
                    r.id, self.absolute(r.path), as_utc(r.start), as_utc(r.end), r.bytes, r.state
                )
                for r in rows
            ]

    def timeline(
        self, camera_id: int, stream: str, start: datetime, end: datetime
    ) -> tuple[list[Interval], list[Interval]]:
        """Recorded spans (touching segments joined) and recorded gaps within [start, end)."""
        spans: list[Interval] = []
        for seg in self.segments_covering(camera_id, stream, start, end):
            if seg.end <= start:
                continue
            s, e = max(seg.start, start), min(seg.end, end)
            if spans and (s - spans[-1].end).total_seconds() <= JOIN_S:
                spans[-1] = Interval(spans[-1].start, max(spans[-1].end, e))
            elif e > s:
                spans.append(Interval(s, e))
        with self.db.session() as session:
            rows = session.scalars(
                select(RecordingGap)
                .where(
                    RecordingGap.camera_id == camera_id,
                    RecordingGap.stream == stream,
                    RecordingGap.start < end,
                    RecordingGap.end > start,
                )
                .order_by(RecordingGap.start)
            )
            gaps = [
                Interval(max(as_utc(g.start), start), min(as_utc(g.end), end), g.reason)
                for g in rows
            ]
        return spans, gaps

    def locks_overlap(self, camera_id: int, stream: str, start: datetime, end: datetime) -> bool:
        """Whether an evidence lock covers any of [start, end) of this stream."""
        with self.db.session() as session:
            found = session.scalar(
                select(RecordingLock.id)
                .where(
                    RecordingLock.camera_id == camera_id,
                    (RecordingLock.stream.is_(None)) | (RecordingLock.stream == stream),
                    RecordingLock.start < end,
                    RecordingLock.end > start,
                )
                .limit(1)
            )
        return found is not None


def _delete(session: Session, row: RecordingSegment) -> None:
    session.execute(delete(RecordingSegment).where(RecordingSegment.id == row.id))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ticks_to_time(ticks: int) -> datetime:
    """90 kHz ticks since the Unix epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=ticks * 1_000_000 // fmp4.TIMESCALE)


def time_to_ticks(moment: datetime) -> int:
    """An aware datetime as 90 kHz ticks since the Unix epoch."""
    delta = as_utc(moment) - EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * fmp4.TIMESCALE // 1_000_000
