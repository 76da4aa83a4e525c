"""Records every stream state change in the database (`stream_states`), as it happens.

One recorder per server, fed by the ingest health registry (the same change that is published
as "camera.state"), so one row per change however many people watch. Changes are queued on the
event loop (bounded: the oldest are dropped and counted if the database stalls) and written in
batches on a worker thread. A stream removed from ingest is recorded as "retired" when its
camera was retired, "unknown" otherwise; stopping the server records "unknown" for every
stream, and starting it closes what a crash left open — except the streams of cameras another
live node of the site pulls, whose rows are that node's (see docs/reports.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ingest.health import StreamHealth
from ingest.packet import StreamKey
from vms.db.engine import Database
from vms.db.models.registry import Camera
from vms.db.models.stream_states import StreamStateChange

log = logging.getLogger(__name__)

MAX_QUEUED = 10_000
# the queue holds at least this many changes per stream it has seen, so that every stream of
# a large site starting (or going online) at once is kept, not only MAX_QUEUED of them
QUEUED_PER_STREAM = 4
BATCH = 500
REMOVED = "removed"  # queued marker: resolved to "retired" or "unknown" when written
UNKNOWN = "unknown"
RETIRED = "retired"
STOPPED_REASON = "server stopped: not watched"
RESTARTED_REASON = "server started: not watched since the last recorded change"


@dataclass(frozen=True, slots=True)
class Change:
    """One state change to write."""

    camera_id: int
    stream: str
    state: str
    reason: str | None
    at: datetime


HeldElsewhere = Callable[[Collection[int]], Awaitable[set[int]]]


class StreamStateRecorder:
    """Owns the writer task; `observe` and `removed` are called on the event loop thread.
    `held_elsewhere(camera ids)` names those another live node pulls now (a site on many
    processes); raising, it leaves the start-up close to cover every open stream."""

    def __init__(
        self,
        db: Database,
        *,
        max_queued: int = MAX_QUEUED,
        held_elsewhere: HeldElsewhere | None = None,
    ) -> None:
        self._db = db
        self._held_elsewhere = held_elsewhere
        self._queue: deque[Change] = deque()
        self._max = max_queued
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last: dict[tuple[int, str], str] = {}  # last state queued, per stream
        self.dropped = 0
        self.written = 0

    def observe(self, health: StreamHealth) -> None:
        """A stream changed state (HealthRegistry listener)."""
        at = datetime.fromtimestamp(health.since, UTC)
        key = health.key
        self._put(Change(key.camera_id, key.stream, health.state.value, health.reason, at))

    def removed(self, key: StreamKey) -> None:
        """A stream is no longer pulled (its camera retired or edited, or deleted)."""
        self._put(Change(key.camera_id, key.stream, REMOVED, None, datetime.now(UTC)))

    def forget(self, key: StreamKey) -> None:
        """Another process now speaks for the stream (its lease moved): write nothing for it,
        not even "unknown" at stop, or it would hide the new holder's state."""
        self._last.pop((key.camera_id, key.stream), None)

    def _put(self, change: Change, *, bounded: bool = True) -> None:
        limit = max(self._max, QUEUED_PER_STREAM * len(self._last))
        if bounded and len(self._queue) >= limit:
            self._queue.popleft()
            self.dropped += 1
            if self.dropped in (1, 100) or self.dropped % 10_000 == 0:
                log.warning(
                    "stream state history: %d changes dropped (database slow)", self.dropped
                )
        self._queue.append(change)
        self._last[(change.camera_id, change.stream)] = change.state
        self._wake.set()

    async def start(self) -> None:
        """Close what an unclean stop left open, then write changes as they come."""
        skip: set[int] = set()
        if self._held_elsewhere is not None:
            opened = await asyncio.to_thread(open_cameras, self._db)
            try:
                skip = await self._held_elsewhere(opened)
            except Exception as exc:  # Redis away, or anything: close them all, as alone
                log.warning(
                    "stream state history: cannot tell which cameras other nodes pull (%s);"
                    " closing every open stream",
                    type(exc).__name__,
                )
        await asyncio.to_thread(close_open_streams, self._db, RESTARTED_REASON, skip=skip)
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="stream-state-recorder")

    async def stop(self) -> None:
        """Record every stream as not watched from now, write what is queued, end the task."""
        now = datetime.now(UTC)
        for (camera_id, stream), state in tuple(self._last.items()):
            if state not in (UNKNOWN, REMOVED):  # one per stream: never dropped
                self._put(Change(camera_id, stream, UNKNOWN, STOPPED_REASON, now), bounded=False)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        """Write everything queued so far (tests and stop)."""
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:
                log.exception("stream state history: %d changes not written", len(batch))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    def _write(self, batch: list[Change]) -> None:
        try:
            with self._db.session() as session:
                write_changes(session, batch)
        except IntegrityError:  # a camera deleted meanwhile: write the others one by one
            for change in batch:
                try:
                    with self._db.session() as session:
                        write_changes(session, [change])
                except IntegrityError:
                    log.info("stream state of missing camera %d not recorded", change.camera_id)
        self.written += len(batch)


def write_changes(session: Session, changes: list[Change]) -> None:
    """Insert `changes`, resolving a removal to "retired" (camera retired) or "unknown"."""
    removed_ids = {c.camera_id for c in changes if c.state == REMOVED}
    retired: set[int] = set()
    if removed_ids:
        retired = set(
            session.scalars(
                select(Camera.id).where(Camera.id.in_(removed_ids), Camera.state == RETIRED)
            )
        )
    for c in changes:
        state, reason = c.state, c.reason
        if state == REMOVED:
            state, reason = (
                (RETIRED, "camera retired")
                if c.camera_id in retired
                else (UNKNOWN, "no longer pulled by this server")
            )
        session.add(
            StreamStateChange(
                camera_id=c.camera_id, stream=c.stream, state=state, reason=reason, at=c.at
            )
        )


def _open_rows(session: Session) -> list[StreamStateChange]:
    latest = (
        select(
            StreamStateChange.camera_id,
            StreamStateChange.stream,
            func.max(StreamStateChange.id).label("last_id"),
        )
        .group_by(StreamStateChange.camera_id, StreamStateChange.stream)
        .subquery()
    )
    return list(
        session.scalars(
            select(StreamStateChange)
            .join(latest, StreamStateChange.id == latest.c.last_id)
            .where(StreamStateChange.state.not_in((UNKNOWN, RETIRED)))
        )
    )


def open_cameras(db: Database) -> set[int]:
    """The cameras with a stream whose last row is a watched state. Blocking."""
    with db.session() as session:
        return {row.camera_id for row in _open_rows(session)}


def close_open_streams(
    db: Database, reason: str, at: datetime | None = None, skip: Collection[int] = ()
) -> int:
    """Add an "unknown" row for every stream whose last row is a watched state (a crash left
    it open), but those of the cameras in `skip`. Returns how many. Blocking."""
    moment = at or datetime.now(UTC)
    with db.session() as session:
        open_rows = [r for r in _open_rows(session) if r.camera_id not in skip]
        for row in open_rows:
            session.add(
                StreamStateChange(
                    camera_id=row.camera_id, stream=row.stream, state=UNKNOWN, reason=reason,
                    at=moment,
                )
            )  # fmt: skip
        return len(open_rows)
