"""The receipt each affected agency gets: what was viewed, controlled and exported on its
cameras during an emergency, and by whom - read from the audit trail, never written over it.

`Receipt` is the data (the declaration, the agency, every act, the people); `document` turns it
into a `ReportDocument` - a title, labelled facts, per-person summary and a table of plain
strings - which the printers render: `to_csv` and `to_pdf` (vms.pdf).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.audit import safe_cell
from vms.db.models.emergency import EmergencyDeclaration
from vms.db.models.identity import AuditRecord, User
from vms.db.models.registry import Agency
from vms.pdf import PdfDocument

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
class Person:
    """One person who acted on the agency's cameras, and how often, by kind."""

    username: str | None
    user_agency_id: int | None
    counts: dict[str, int]
    under_override: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """One agency's receipt of one emergency; the declaration's facts travel with it."""

    emergency_id: int
    agency_id: int
    period_start: datetime
    period_end: datetime
    lines: list[ReceiptLine]
    emergency_type: str = ""
    reason: str = ""
    declared_by: str | None = None
    agency_code: str = ""
    agency_name: str = ""

    def counts(self) -> dict[str, int]:
        out = _zero()
        for line in self.lines:
            out[line.kind] = out.get(line.kind, 0) + 1
        return out

    def people(self) -> list[Person]:
        """Who did what, in the order they first acted."""
        seen: dict[tuple[str | None, int | None], tuple[dict[str, int], list[int]]] = {}
        for line in self.lines:
            counts, marked = seen.setdefault((line.username, line.user_agency_id), (_zero(), [0]))
            counts[line.kind] = counts.get(line.kind, 0) + 1
            marked[0] += int(line.under_override)
        return [Person(u, a, c, m[0]) for (u, a), (c, m) in seen.items()]


def _zero() -> dict[str, int]:
    return {kind: 0 for kind in (*KINDS.values(), "other")}


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """A receipt ready to print: every value already a string, in reading order."""

    title: str
    facts: list[tuple[str, str]]
    summary_columns: tuple[str, ...]
    summary: list[tuple[str, ...]]
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


def document(rec: Receipt) -> ReportDocument:
    """The receipt as a printable document (the CSV and PDF renderers read this)."""
    kinds = tuple(_zero())
    facts = [
        ("Emergency", f"{rec.emergency_id} ({rec.emergency_type})"),
        ("Reason", rec.reason),
        ("Declared by", rec.declared_by or ""),
        ("Agency", f"{rec.agency_name} ({rec.agency_code})".strip()),
        ("Period (UTC)", f"{rec.period_start.isoformat()} - {rec.period_end.isoformat()}"),
        *((f"Acts {kind}", str(n)) for kind, n in rec.counts().items()),
    ]
    summary = [
        (p.username or "", "" if p.user_agency_id is None else str(p.user_agency_id),
         *(str(p.counts.get(k, 0)) for k in kinds), str(p.under_override))
        for p in rec.people()
    ]  # fmt: skip
    rows = [tuple(_text(getattr(line, name)) for name in COLUMNS) for line in rec.lines]
    return ReportDocument(
        title=f"Emergency {rec.emergency_id}: receipt for {rec.agency_name or rec.agency_code}",
        facts=facts,
        summary_columns=("username", "user_agency_id", *kinds, "under_override"),
        summary=summary,
        columns=COLUMNS,
        rows=rows,
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


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
    agency = session.get(Agency, agency_id)
    declarer = session.get(User, row.declared_by) if row.declared_by is not None else None
    return Receipt(
        row.id,
        agency_id,
        start,
        end,
        lines,
        emergency_type=row.type,
        reason=row.reason,
        declared_by=declarer.username if declarer is not None else None,
        agency_code=agency.code if agency is not None else "",
        agency_name=(agency.name_en or agency.name_th or "") if agency is not None else "",
    )


def to_csv(rec: Receipt) -> str:
    """The receipt's table as CSV (formula-injection safe), one act a row."""
    doc = document(rec)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(doc.columns)
    for row in doc.rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buf.getvalue()


def to_pdf(rec: Receipt) -> bytes:
    """The receipt printed: its facts, the per-person summary and every act (vms.pdf, Thai
    names rendered)."""
    doc = document(rec)
    pdf = PdfDocument(doc.title, landscape=True, footer=doc.title)
    pdf.table(("", ""), doc.facts, widths=(1, 4))
    pdf.heading("People")
    pdf.table(doc.summary_columns, doc.summary)
    pdf.heading("Acts")
    pdf.table(doc.columns, doc.rows)
    return pdf.output()
