"""Writes the agency inventories of samples/agency-sheets/ the way agencies really keep them:
Thai headers in their own words, Thai digits, resolutions as "2MP" or "Full HD", placeholders,
Buddhist-era dates in every form, an XLSX formula with its saved value, and one sheet of
broken rows. The tests (tests/api/test_agency_sheets.py) and the demo import these files.

    python samples/make_agency_sheets.py    # rewrites samples/agency-sheets/*
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

OUT = Path(__file__).resolve().parent / "agency-sheets"
SIM = "rtsp://127.0.0.1:8554/cam/{n}/main"

# Patong municipality, as its clerk keeps it: no agency column (it is all theirs), the place
# name is the camera's name, coordinates in one cell, a "caretaker" column we do not know.
PATONG_HEADERS = [
    "ลำดับ", "รหัสกล้อง", "ชื่อจุดติดตั้ง", "อำเภอ", "ตำบล", "พิกัด (lat,long)", "ความละเอียด",
    "ยี่ห้อ/รุ่น", "สถานะ", "วันที่ติดตั้ง", "URL", "ผู้ดูแล",
]  # fmt: skip
PATONG_ROWS: list[list[Any]] = [
    [1, "PTG-001", "หน้าห้างจังซีลอน", "กะทู้", "ป่าตอง", "7.8913, 98.2990", "2MP",
     "Hikvision DS-2CD2T23G2", "ใช้งานได้", date(2023, 11, 5), SIM.format(n=1), "นายสมชาย"],
    [2, "PTG-002", "ถนนบางลา ฝั่งชายหาด", "กะทู้", "ป่าตอง", "๗.๘๙๓๔,๙๘.๒๙๖๙", "4MP", "-",
     "ชำรุด", 45292, SIM.format(n=2), "นายสมชาย"],
    [3, "PTG-003", "แยกสามกอง", "กะทู้", "ป่าตอง", "7.9038, 98.3055", "Full HD", "Dahua",
     "รอซ่อม", "12 มกราคม 2567", SIM.format(n=3), "นางสาวมาลี"],
    [4, "PTG-004", "ท่าเรือป่าตอง", "กะทู้", "ป่าตอง", "7.8869 98.2905", "1080p", "N/A",
     "ใช้งานได้", "๑๕/๐๓/๒๕๖๖", SIM.format(n=4), "ไม่มี"],
    [5, "=CONCAT(\"PTG-\",\"005\")", "ซอยนานาย", "กะทู้", "ป่าตอง", "7.8950, 98.3001", "4K",
     "ไม่ทราบ", "ใช้งานได้", "1 ก.พ. 66", SIM.format(n=5), "นายสมชาย"],
    [6, "PTG-006", "หาดกะหลิม", "กะทู้", "ป่าตอง", "7.9101, 98.2967", "1920*1080", "Uniview",
     "ใช้งานได้", "2024-06-30", SIM.format(n=6), "-"],
]  # fmt: skip
# the formula cell's value as Excel saved it (openpyxl writes none, so we add it)
PATONG_FORMULA = ('CONCAT("PTG-","005")', "PTG-005")

# Kathu police station, exported as CSV: the agency written the way the station writes itself
# (a name the system does not know yet), Thai digits, a resolution that maps to nothing.
KATHU_HEADERS = [
    "ลำดับที่", "รหัส", "สถานที่ติดตั้ง", "หน่วยงาน", "ละติจูด", "ลองจิจูด", "ความละเอียด",
    "ยี่ห้อ", "สถานะการใช้งาน", "วันติดตั้ง", "ลิงก์", "หมายเหตุ",
]  # fmt: skip
KATHU_ROWS: list[list[Any]] = [
    ["๑", "KTU-POL-01", "หน้า สภ.กะทู้", "สภ.กะทู้", "๗.๙๑๕๘", "๙๘.๓๓๓๒", "๒MP", "Hikvision",
     "ใช้งานได้", "3 มี.ค. 2565", SIM.format(n=7), "หันไปทางถนนวิชิตสงคราม"],
    ["๒", "KTU-POL-02", "แยกกะทู้", "สภ.กะทู้", "7.9121", "98.3370", "720p", "-",
     "ชำรุด", "ไม่ทราบ", SIM.format(n=8), "-"],
    ["๓", "KTU-POL-03", "ทางขึ้นเขานาคเกิด", "สภ.กะทู้", "7.8290", "98.3120", "IR 30m", "N/A",
     "ใช้งานได้", "45000", SIM.format(n=9), ""],
]  # fmt: skip

# Rows a clerk gets wrong, each refused with its row and column (or warned about).
BROKEN_HEADERS = ["ลำดับ", "รหัสกล้อง", "จุดติดตั้ง", "หน่วยงาน", "ละติจูด", "ลองจิจูด", "URL"]
BROKEN_ROWS: list[list[Any]] = [
    [1, "", "ไม่มีรหัส", "PKT-MUNI-PATONG", 7.89, 98.30, SIM.format(n=11)],
    [2, "BRK-02", "รหัสซ้ำ ครั้งแรก", "PKT-MUNI-PATONG", 7.89, 98.30, SIM.format(n=12)],
    [3, "BRK-02", "รหัสซ้ำ ครั้งที่สอง", "PKT-MUNI-PATONG", 7.89, 98.30, SIM.format(n=13)],
    [4, "BRK-04", "นอกโลก", "PKT-MUNI-PATONG", 123.4, 98.30, SIM.format(n=14)],
    [5, "BRK-05", "ลิงก์ไฟล์", "PKT-MUNI-PATONG", 7.89, 98.30, "file:///etc/passwd"],
    [6, "BRK-06", "ของหน่วยงานอื่น", "PKT-POL-KATHU", 7.91, 98.33, SIM.format(n=16)],
    [7, "BRK-07", "หน่วยงานไม่รู้จัก", "เทศบาลนครดาวอังคาร", 7.89, 98.30, SIM.format(n=17)],
    [8, "BRK-08", "กรุงเทพฯ (นอกจังหวัด)", "PKT-MUNI-PATONG", 13.7563, 100.5018, SIM.format(n=18)],
    [9, '=CONCAT("BRK-","09")', "สูตรไม่มีค่า", "PKT-MUNI-PATONG", 7.89, 98.30, SIM.format(n=19)],
]


def xlsx(
    headers: list[str], rows: list[list[Any]], formulas: dict[str, str] | None = None
) -> bytes:
    """An XLSX file; `formulas` (formula text -> saved value) gives formula cells the value
    Excel would have saved with them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "ทะเบียนกล้อง"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell in sheet["J"][1:] if "วันที่ติดตั้ง" in headers else ():
        if isinstance(cell.value, date):
            cell.number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_saved_values(buffer.getvalue(), formulas or {})


def _with_saved_values(data: bytes, formulas: dict[str, str]) -> bytes:
    if not formulas:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                text = body.decode()
                for formula, value in formulas.items():
                    escaped = formula.replace('"', "&quot;")
                    for f in (formula, escaped):
                        text = re.sub(
                            r'<c r="([A-Z]+\d+)"><f>' + re.escape(f) + r"</f><v\s*/?>(</v>)?",
                            lambda m, f=f, value=value: (
                                f'<c r="{m[1]}" t="str"><f>{f}</f><v>{value}</v>'
                            ),
                            text,
                        )
                body = text.encode()
            target.writestr(info, body)
    return out.getvalue()


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """CSV as Excel's "CSV UTF-8" writes it (with a BOM)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def sheets() -> dict[str, bytes]:
    """Every sample sheet by file name."""
    return {
        "patong-municipality.xlsx": xlsx(PATONG_HEADERS, PATONG_ROWS, dict([PATONG_FORMULA])),
        "kathu-police.csv": csv_bytes(KATHU_HEADERS, KATHU_ROWS),
        "broken-rows.xlsx": xlsx(BROKEN_HEADERS, BROKEN_ROWS),
        "broken-rows.csv": csv_bytes(BROKEN_HEADERS, BROKEN_ROWS),
    }


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, data in sheets().items():
        (OUT / name).write_bytes(data)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
