"""The receipt each affected agency gets: what was viewed, controlled and exported on its
cameras during an emergency, and by whom - read from the audit trail, never written over it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.audit import safe_cell
from vms.db.models.emergency import EmergencyDeclaration
from vms.db.models.identity import AuditRecord

KINDS = {"view": "viewed", "ptz": "controlled", "export": "exported"}
COLUMNS = (
    "seq",
    "at",
    "kind",
    "action",
    "username",
    "user_agency_id",
    "camera_id",
    "under_override",
)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One act on one of the agency's cameras."""

    seq: int
    at: datetime
    kind: str
    action: str
    username: str | None
    user_agency_id: int | None
    camera_id: int | None
    under_override: bool


@dataclass(frozen=True, slots=True)
class Receipt:
    emergency_id: int
    agency_id: int
    period_start: datetime
    period_end: datetime
    lines: list[ReceiptLine]

    def counts(self) -> dict[str, int]:
        out = {kind: 0 for kind in KINDS.values()}
        for line in self.lines:
            out[line.kind] = out.get(line.kind, 0) + 1
        return out


def period(row: EmergencyDeclaration, now: datetime) -> tuple[datetime, datetime]:
    """From when it took effect (or was declared) to when it ended, expired, or now."""
    start = as_utc(row.starts_at or row.declared_at)
    ends = [as_utc(now)]
    if row.ended_at is not None:
        ends.append(as_utc(row.ended_at))
    if row.ends_at is not None:
        ends.append(as_utc(row.ends_at))
    return start, max(start, min(ends))


def _kind(action: str) -> str:
    return KINDS.get(action.split(".", 1)[0], "other")


def receipt(session: Session, row: EmergencyDeclaration, agency_id: int, now: datetime) -> Receipt:
    """Every audit record about the agency's cameras in the period, oldest first."""
    start, end = period(row, now)
    records = session.scalars(
        select(AuditRecord)
        .where(
            AuditRecord.camera_agency_id == agency_id,
            AuditRecord.camera_id.is_not(None),
            AuditRecord.at >= start,
            AuditRecord.at < end,
        )
        .order_by(AuditRecord.seq)
    )
    lines = [
        ReceiptLine(
            seq=r.seq,
            at=as_utc(r.at),
            kind=_kind(r.action),
            action=r.action,
            username=r.username,
            user_agency_id=r.agency_id,
            camera_id=r.camera_id,
            under_override=(r.detail or {}).get("emergency_id") == row.id,
        )
        for r in records
    ]
    return Receipt(row.id, agency_id, start, end, lines)


def to_csv(rec: Receipt) -> str:
    """The receipt as CSV (formula-injection safe), one act a row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for line in rec.lines:
        writer.writerow([safe_cell(getattr(line, name)) for name in COLUMNS])
    return buf.getvalue()
