"""The audit trail: append-only, hash-chained, queryable and exportable.

Each record's `hash` is SHA-256 over the canonical JSON of its fields and the previous record's
hash, so editing or deleting any record breaks every link after it and `vms audit verify` finds
the first broken one. Appends are serialised (a process lock, plus a transaction-scoped advisory
lock on PostgreSQL) and `prev_hash` is unique, so the chain stays linear under concurrency.
Appends run in their own short transaction: call them after committing your own changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.auth.roles import AUDIT_ALL_ROLES, Permission
from vms.db.engine import Database
from vms.db.models.identity import AuditRecord

if TYPE_CHECKING:
    from vms.auth.principal import Principal

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x5653_4155  # "VSAU": serialises audit appends across processes
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, by whom, to which camera, from where. Never put a secret in `detail`."""

    action: str
    outcome: str = "ok"
    user_id: int | None = None
    username: str | None = None
    agency_id: int | None = None
    camera_id: int | None = None
    camera_agency_id: int | None = None
    client_addr: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def by(cls, principal: Principal, action: str, **fields: Any) -> AuditEntry:
        """An entry acted by `principal` (user, agency and client address filled in)."""
        fields.setdefault("client_addr", principal.client_addr)
        return cls(
            action=action,
            user_id=principal.user_id,
            username=principal.username,
            agency_id=principal.agency_id,
            **fields,
        )


def canonical_time(moment: datetime) -> str:
    return as_utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds")


def record_hash(record: AuditRecord) -> str:
    """SHA-256 over the canonical JSON of the record's fields and its `prev_hash`."""
    fields = {
        "at": canonical_time(record.at),
        "action": record.action,
        "outcome": record.outcome,
        "user_id": record.user_id,
        "username": record.username,
        "agency_id": record.agency_id,
        "camera_id": record.camera_id,
        "camera_agency_id": record.camera_agency_id,
        "client_addr": record.client_addr,
        "detail": record.detail or {},
        "prev_hash": record.prev_hash,
    }
    blob = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of walking the chain: `first_broken` is the seq of the first bad record."""

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""


class AuditTrail:
    """Appends records to the chain and checks it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry, at: datetime | None = None) -> AuditRecord:
        """Add one record at the end of the chain (blocking: call from a thread)."""
        for attempt in range(5):
            try:
                return self._append_once(entry, at or datetime.now(UTC))
            except IntegrityError:
                # Another writer took our predecessor (only possible across processes on
                # SQLite); re-read the tail and try again.
                log.warning("audit append raced another writer (attempt %d)", attempt + 1)
        raise RuntimeError("audit trail: could not append after 5 attempts")

    def _append_once(self, entry: AuditEntry, at: datetime) -> AuditRecord:
        with self._lock, self.db.session() as session:
            return self._chain(session, entry, at)

    def append_in(
        self, session: Session, entry: AuditEntry, at: datetime | None = None
    ) -> AuditRecord:
        """Add one record inside the caller's unit of work: it commits (or rolls back) with the
        change it records. The chain lock is held until that transaction ends (blocking)."""
        with self._lock:
            return self._chain(session, entry, at or datetime.now(UTC))

    def _chain(self, session: Session, entry: AuditEntry, at: datetime) -> AuditRecord:
        if self.db.is_sqlite:
            # a write statement takes SQLite's write lock before we read the tail, so a
            # writer in another process waits here instead of forking the chain
            session.execute(text("UPDATE audit_records SET seq = seq WHERE 1 = 0"))
        else:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        tail = session.scalars(
            select(AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
        ).first()
        record = AuditRecord(
            at=at,
            action=entry.action,
            outcome=entry.outcome,
            user_id=entry.user_id,
            username=entry.username,
            agency_id=entry.agency_id,
            camera_id=entry.camera_id,
            camera_agency_id=entry.camera_agency_id,
            client_addr=entry.client_addr,
            detail=dict(entry.detail),
            prev_hash=tail or GENESIS,
        )
        record.hash = record_hash(record)
        session.add(record)
        session.flush()
        return record

    def verify(self, batch: int = 1000) -> Verification:
        """Walk the whole chain in order; report the first record whose link is broken."""
        expected_prev = GENESIS
        checked = 0
        for record in self._walk(batch):
            if record.prev_hash != expected_prev:
                return Verification(
                    False, checked, record.seq, "prev_hash does not match the record before it"
                )
            if record_hash(record) != record.hash:
                return Verification(False, checked, record.seq, "record content was altered")
            expected_prev = record.hash
            checked += 1
        return Verification(True, checked)

    def _walk(self, batch: int) -> Iterator[AuditRecord]:
        last = 0
        while True:
            with self.db.session() as session:
                rows = list(
                    session.scalars(
                        select(AuditRecord)
                        .where(AuditRecord.seq > last)
                        .order_by(AuditRecord.seq)
                        .limit(batch)
                    )
                )
            if not rows:
                return
            yield from rows
            last = rows[-1].seq


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """Which records a principal may read: everything for the supervisor and the system
    administrator; for an agency administrator, views of their cameras and their users' acts."""
    if not principal.can(Permission.VIEW_AUDIT):
        return AuditRecord.seq < 0
    if principal.role in AUDIT_ALL_ROLES:
        return true()
    return or_(
        AuditRecord.camera_agency_id == principal.agency_id,
        AuditRecord.agency_id == principal.agency_id,
    )


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of an audit search; all optional, combined with AND."""

    user_id: int | None = None
    agency_id: int | None = None
    camera_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500
    before_seq: int | None = None


def search(session: Session, principal: Principal, query: AuditQuery) -> list[AuditRecord]:
    """Newest first, within what the principal may read."""
    stmt = select(AuditRecord).where(visible_clause(principal))
    if query.user_id is not None:
        stmt = stmt.where(AuditRecord.user_id == query.user_id)
    if query.agency_id is not None:
        stmt = stmt.where(
            or_(
                AuditRecord.agency_id == query.agency_id,
                AuditRecord.camera_agency_id == query.agency_id,
            )
        )
    if query.camera_id is not None:
        stmt = stmt.where(AuditRecord.camera_id == query.camera_id)
    if query.action is not None:
        stmt = stmt.where(AuditRecord.action == query.action)
    if query.since is not None:
        stmt = stmt.where(AuditRecord.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditRecord.at < query.until)
    if query.before_seq is not None:
        stmt = stmt.where(AuditRecord.seq < query.before_seq)
    stmt = stmt.order_by(AuditRecord.seq.desc()).limit(query.limit)
    return list(session.scalars(stmt))


CSV_COLUMNS = (
    "seq",
    "at",
    "action",
    "outcome",
    "user_id",
    "username",
    "agency_id",
    "camera_id",
    "camera_agency_id",
    "client_addr",
    "detail",
    "hash",
)


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    elif isinstance(value, datetime):
        value = as_utc(value).isoformat()
    out = str(value)
    if out.startswith(_FORMULA_START):
        out = "'" + out
    return out


def to_csv(records: list[AuditRecord]) -> str:
    """The records as CSV text, one row each, formula-injection safe."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow([safe_cell(getattr(record, name)) for name in CSV_COLUMNS])
    return buf.getvalue()
