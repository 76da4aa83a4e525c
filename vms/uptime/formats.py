"""The uptime report as CSV, XLSX and PDF (the working group's daily "camera check").

Labels are Thai with English beside them, times are in the site's time zone, and every text
cell is neutralised against formula injection. The PDF goes through vms.pdf (Thai shaped).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from vms.pdf import PdfDocument
from vms.registry.spreadsheet import Cell, neutralize, write_table
from vms.uptime.report import AgencyReport, UptimeReport
from vms.uptime.timeline import CAUSES, Uptime

CAUSE_LABELS: dict[str, str] = {
    "offline": "ออฟไลน์ (เครือข่าย) / offline",
    "auth_failed": "รหัสผ่านกล้องผิด / authentication failed",
    "stalled": "ภาพค้าง / stalled",
    "error": "ข้อผิดพลาด / error",
    "retired": "ปลดระวาง / retired",
}
STREAM_COLUMNS: tuple[str, ...] = (
    "agency", "camera_code", "camera_name", "stream", "availability_pct", "up_s", "down_s",
    "unmeasured_s", *(f"{c}_s" for c in CAUSES), "outages", "longest_outage_s",
)  # fmt: skip
# The PDF lists the streams with down time, worst first, up to this many per agency (every
# stream is in the CSV and XLSX): a document people read, not a dump.
PDF_STREAMS_ONE_AGENCY = 300
PDF_STREAMS_PER_AGENCY = 25
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def pct(figures: Uptime) -> str:
    """Availability as "75.0" (or "-" when nothing was measured)."""
    value = figures.availability
    return "-" if value is None else f"{value * 100:.1f}"


def duration(seconds: float) -> str:
    """A duration in Thai: "1 ชม. 05 นาที", "4 นาที 10 วินาที", "12 วินาที"."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600} ชม. {s % 3600 // 60:02d} นาที"
    if s >= 60:
        return f"{s // 60} นาที {s % 60:02d} วินาที"
    return f"{s} วินาที"


def local(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def stream_rows(report: UptimeReport) -> list[list[Cell]]:
    """One row per camera stream, in STREAM_COLUMNS order."""
    rows: list[list[Cell]] = []
    for agency in report.agencies:
        for s in agency.streams:
            u = s.uptime
            longest = max((o.seconds for o in u.outages), default=0.0)
            avail = None if u.availability is None else round(u.availability * 100, 2)
            rows.append(
                [
                    agency.code, s.camera_code, s.camera_name, s.stream, avail, round(u.up_s),
                    round(u.down_s), round(u.unmeasured_s),
                    *(round(u.causes.get(c, 0.0)) for c in CAUSES), len(u.outages),
                    round(longest),
                ]
            )  # fmt: skip
    return rows


def to_csv(report: UptimeReport) -> bytes:
    """Per camera stream, one row each (UTF-8 with BOM so Excel shows Thai)."""
    return write_table(STREAM_COLUMNS, stream_rows(report), "csv")


def _summary_rows(report: UptimeReport) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for agency in report.agencies:
        t = agency.total
        row: list[Cell] = [agency.code, agency.name, len(agency.streams), pct(t)]
        row.append(duration(t.down_s))
        row += [duration(t.causes[c]) if t.causes.get(c) else "" for c in CAUSES]
        rows.append(row)
    return rows


def _outage_rows(agency: AgencyReport, tz: str) -> list[list[str]]:
    return [
        [
            s.camera_code, s.camera_name, local(o.start, tz), duration(o.seconds),
            CAUSE_LABELS.get(o.cause, o.cause), o.reason or "",
        ]
        for s, o in agency.longest_outages()
    ]  # fmt: skip


def _coverage_rows(agency: AgencyReport) -> list[list[Cell]]:
    return [
        [c.day.isoformat(), c.required, c.minutes_covered, c.minutes_below] for c in agency.coverage
    ]


def to_xlsx(report: UptimeReport) -> bytes:
    """Sheets: summary per agency, streams, longest outages, duty coverage."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "สรุป summary"
    summary.append([neutralize(c) for c in _title(report)])
    summary.append([])
    _append(summary, _SUMMARY_HEADER, _summary_rows(report))
    streams = book.create_sheet("กล้อง streams")
    _append(streams, STREAM_COLUMNS, stream_rows(report))
    outages = book.create_sheet("เหตุขัดข้อง outages")
    rows: list[list[Cell]] = []
    for agency in report.agencies:
        rows += [[agency.code, *r] for r in _outage_rows(agency, report.timezone)]
    _append(outages, ["agency", *_OUTAGE_HEADER], rows)
    coverage = book.create_sheet("เวรเฝ้าระวัง coverage")
    rows = []
    for agency in report.agencies:
        rows += [[agency.code, *r] for r in _coverage_rows(agency)]
    _append(coverage, ["agency", *_COVERAGE_HEADER], rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: object, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    sheet.append(list(header))  # type: ignore[attr-defined]
    for row in rows:
        sheet.append([neutralize(c) for c in row])  # type: ignore[attr-defined]


def _title(report: UptimeReport) -> list[str]:
    return [
        f"รายงานตรวจสอบกล้อง / Camera check — {report.site_name}",
        f"{local(report.start, report.timezone)} – {local(report.end, report.timezone)} "
        f"({report.timezone})",
    ]


_SUMMARY_HEADER = [
    "รหัส / code", "หน่วยงาน / agency", "สตรีม / streams", "% ใช้งานได้ / up %",
    "เวลาขัดข้อง / down", *(CAUSE_LABELS[c] for c in CAUSES),
]  # fmt: skip
_OUTAGE_HEADER = [
    "กล้อง / camera", "ชื่อ / name", "เริ่ม / from", "นาน / for", "สาเหตุ / cause",
    "รายละเอียด / detail",
]  # fmt: skip
_COVERAGE_HEADER = [
    "วันที่ / day", "ต้องมี (คน) / required", "นาทีครบ / minutes covered",
    "นาทีขาด / minutes below",
]  # fmt: skip


def to_pdf(report: UptimeReport) -> bytes:
    """The "camera check" document: summary, then per agency its cameras, longest outages
    and duty coverage."""
    title, period = _title(report)
    doc = PdfDocument(
        title,
        subtitle=f"ช่วงเวลา / period: {period}",
        landscape=True,
        footer=f"สร้างเมื่อ / generated {local(report.generated_at, report.timezone)}",
    )
    doc.paragraph(
        "ร้อยละการใช้งานได้ = เวลาที่กล้องส่งภาพได้ ÷ เวลาที่ตรวจวัด (ไม่นับช่วงที่ระบบไม่ได้ตรวจ). "
        "Availability = time online ÷ time measured (time the server did not watch is left out). "
        f"ทั้งระบบ / whole site: {pct(report.total)} %"
    )
    doc.heading("สรุปตามหน่วยงาน / Summary by agency")
    doc.table(
        _SUMMARY_HEADER[:5],
        [[str(c) for c in r[:5]] for r in _summary_rows(report)],
        widths=[2, 5, 1.5, 1.5, 2],
        align=["L", "L", "R", "R", "R"],
    )
    for agency in report.agencies:
        doc.heading(f"{agency.name} ({agency.code}) — {pct(agency.total)} %")
        cap = PDF_STREAMS_ONE_AGENCY if len(report.agencies) == 1 else PDF_STREAMS_PER_AGENCY
        faulty = sorted(
            (s for s in agency.streams if s.uptime.down_s > 0),
            key=lambda s: s.uptime.availability or 0.0,
        )
        if faulty:
            doc.table(
                ["กล้อง / camera", "ชื่อ / name", "สตรีม", "% ใช้งานได้", "ขัดข้อง / down",
                 "สาเหตุหลัก / main cause"],
                [
                    [s.camera_code, s.camera_name, s.stream, pct(s.uptime),
                     duration(s.uptime.down_s), _main_cause(s.uptime)]
                    for s in faulty[:cap]
                ],
                widths=[2, 4, 1, 1.3, 2, 3],
                align=["L", "L", "L", "R", "R", "L"],
            )  # fmt: skip
        doc.paragraph(_listing_note(len(agency.streams), len(faulty), cap))
        outages = _outage_rows(agency, report.timezone)
        if outages:
            doc.paragraph("เหตุขัดข้องที่นานที่สุด / Longest outages", size=10)
            doc.table(_OUTAGE_HEADER, outages, widths=[2, 3, 2.4, 2, 3, 4])
        if agency.coverage:
            doc.paragraph(
                "เวรเฝ้าระวังของสถานี (เจ้าหน้าที่ที่เฝ้าจอ) / Duty coverage (officers on watch)", size=10
            )
            doc.table(
                _COVERAGE_HEADER,
                [[str(c) for c in r] for r in _coverage_rows(agency)],
                align=["L", "R", "R", "R"],
            )
    return doc.output()


def _listing_note(streams: int, faulty: int, cap: int) -> str:
    if streams == 0:
        return "ไม่มีข้อมูลสถานะกล้องในช่วงนี้ / no recorded camera states in the period"
    parts = [
        f"สตรีมที่มีเวลาขัดข้อง {faulty} จาก {streams} / {faulty} of {streams} streams had down time"
    ]
    if faulty > cap:
        parts.append(
            f"แสดง {cap} ตัวที่แย่ที่สุด รายการทั้งหมดอยู่ในไฟล์ Excel / the worst {cap} are listed, "
            "every stream is in the Excel file"
        )
    return "; ".join(parts)


def _main_cause(figures: Uptime) -> str:
    if not figures.causes:
        return ""
    cause = max(figures.causes.items(), key=lambda kv: kv[1])[0]
    return CAUSE_LABELS.get(cause, cause)
