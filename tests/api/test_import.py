"""Bulk import/export API: the Phuket sample, dry run, all-or-nothing, idempotency, round trip,
Thai digits and BE dates, header aliases, per-row errors, formula injection, hostile files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_CSV = (SAMPLES / "cameras-sample.csv").read_bytes()
SAMPLE_XLSX = (SAMPLES / "cameras-sample.xlsx").read_bytes()


def _import(client: TestClient, data: bytes, name: str = "cams.csv", dry_run: bool = False) -> Any:
    return client.post(
        "/api/v1/cameras/import",
        files={"file": (name, data, "application/octet-stream")},
        data={"dry_run": "true" if dry_run else "false"},
    )


def _count(client: TestClient) -> int:
    return int(client.get("/api/v1/cameras", params={"limit": 1}).json()["total"])


@pytest.mark.parametrize(("data", "name"), [(SAMPLE_CSV, "s.csv"), (SAMPLE_XLSX, "s.xlsx")])
def test_sample_dry_run_apply_idempotent(api_client: TestClient, data: bytes, name: str) -> None:
    r = _import(api_client, data, name, dry_run=True)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["errors"] == []
    assert (report["rows"], report["created"], report["applied"]) == (24, 24, False)
    assert len(report["agencies_created"]) == 12
    assert _count(api_client) == 0  # a dry run writes nothing
    report = _import(api_client, data, name).json()
    assert (report["created"], report["applied"]) == (24, True)
    assert _count(api_client) == 24
    again = _import(api_client, data, name).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 24)
    # Thai digits, BE dates, Thai words for state and central link, Thai header aliases
    cams = {c["code"]: c for c in api_client.get("/api/v1/cameras").json()["items"]}
    market = cams["PKT-CITY-003"]
    assert market["latitude"] == pytest.approx(7.8835)
    assert market["install_date"] == "2023-03-20"
    assert cams["PKT-CITY-001"]["install_date"] == "2022-01-12"
    assert cams["PKT-CITY-001"]["central_link"] is True
    assert cams["PKT-KTU-002"]["state"] == "proposed"
    assert cams["PKT-PTG-001"]["tags"] == ["นักท่องเที่ยว", "สถานบันเทิง"]
    agencies = api_client.get("/api/v1/agencies", params={"kind": "subdistrict_admin"}).json()
    assert {a["code"] for a in agencies["items"]} == {"PKT-OBT-MAIKHAO", "PKT-OBT-PAKLOK"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips(api_client: TestClient, fmt: str) -> None:
    _import(api_client, SAMPLE_CSV)
    r = api_client.get("/api/v1/cameras/export", params={"format": fmt})
    assert r.status_code == 200
    assert f"cameras.{fmt}" in r.headers["content-disposition"]
    report = _import(api_client, r.content, f"export.{fmt}").json()
    assert report["errors"] == []
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 24)


def test_update_diff_lists_changed_fields(api_client: TestClient) -> None:
    _import(api_client, SAMPLE_CSV)
    csv = (
        "code,name_en,latitude,tags,สถานะ\r\n"
        "PKT-PTG-001,Bangla Road Walking Street,7.8934,nightlife,ปลดระวาง\r\n"
        "PKT-PTG-002,Patong Beach North,,ชายหาด,\r\n"
    ).encode()
    report = _import(api_client, csv, dry_run=True).json()
    assert report["errors"] == []
    assert (report["updated"], report["unchanged"]) == (2, 0)
    first = report["changes"][0]
    assert first["row"] == 2
    assert first["code"] == "PKT-PTG-001"
    changed = {c["field"]: (c["old"], c["new"]) for c in first["changes"]}
    assert changed["name_en"] == ("Bangla Road", "Bangla Road Walking Street")
    assert changed["state"] == ("active", "retired")
    assert changed["tags"][1] == ["nightlife"]
    second = {c["field"]: c["new"] for c in report["changes"][1]["changes"]}
    assert second == {"latitude": None}  # an empty cell clears; absent columns stay
    _import(api_client, csv)
    cam = api_client.get("/api/v1/cameras", params={"q": "PKT-PTG-001"}).json()["items"][0]
    assert cam["state"] == "retired"
    assert cam["name_th"] == "ถนนบางลา"


def test_row_errors_apply_nothing(api_client: TestClient) -> None:
    _import(api_client, SAMPLE_CSV)
    csv = (
        "รหัสกล้อง,ชื่อกล้อง,หน่วยงาน,url,ละติจูด,วันที่ติดตั้ง,ความละเอียด\r\n"
        "NEW-1,กล้องใหม่,PKT-HWY,rtsp://h/1,8.0,1/1/2567,1920x1080\r\n"
        "NEW-2,กล้องใหม่,PKT-HWY,file:///etc/passwd,8.0,,\r\n"
        "NEW-3,กล้องใหม่,ไม่มีหน่วยงานนี้,rtsp://h/3,95,31/02/2567,huge\r\n"
        "NEW-1,ซ้ำ,PKT-HWY,rtsp://h/1,,,\r\n"
        'NEW-4,=HYPERLINK("http://evil"),PKT-HWY,rtsp://h/4,,,\r\n'
        ",ไม่มีรหัส,PKT-HWY,rtsp://h/5,,,\r\n"
    ).encode()
    r = _import(api_client, csv)
    assert r.status_code == 200
    report = r.json()
    assert report["applied"] is False
    assert report["failed_rows"] == 5
    where = {(e["row"], e["column"]) for e in report["errors"]}
    assert (3, "url") in where
    assert {(4, "หน่วยงาน"), (4, "ละติจูด"), (4, "วันที่ติดตั้ง")} <= where
    # a resolution that maps to nothing is kept (in the notes) and said, not refused
    assert (4, "ความละเอียด") in {(w["row"], w["column"]) for w in report["warnings"]}
    assert (5, "รหัสกล้อง") in where
    assert (6, "ชื่อกล้อง") in where
    assert (7, "รหัสกล้อง") in where
    assert _count(api_client) == 24  # NEW-1 was valid but nothing is applied
    assert "NEW-1" not in api_client.get("/api/v1/cameras", params={"q": "new-1"}).text


def test_credentials_imported_never_exported(api_client: TestClient) -> None:
    _import(api_client, SAMPLE_CSV)
    csv = "code,ชื่อผู้ใช้,รหัสผ่าน\r\nPKT-HWY-402-01,viewer,Zx9-secret\r\n".encode()
    report = _import(api_client, csv).json()
    assert report["updated"] == 1
    assert "Zx9-secret" not in str(report)
    cam = api_client.get("/api/v1/cameras", params={"q": "PKT-HWY-402-01"}).json()["items"][0]
    assert cam["has_credentials"] is True
    for fmt in ("csv", "xlsx"):
        body = api_client.get("/api/v1/cameras/export", params={"format": fmt}).content
        assert b"Zx9-secret" not in body and b"viewer" not in body
    # exported file has no credentials columns: importing it keeps them
    exported = api_client.get("/api/v1/cameras/export", params={"format": "csv"}).content
    assert _import(api_client, exported).json()["unchanged"] == 24
    cam = api_client.get(f"/api/v1/cameras/{cam['id']}").json()
    assert cam["has_credentials"] is True


def test_formula_injection_neutralised_on_export(api_client: TestClient) -> None:
    agency = api_client.post(
        "/api/v1/agencies", json={"code": "PVT-1", "kind": "private_partner", "name_en": "Shop"}
    ).json()
    body = {"agency_id": agency["id"], "main_url": "rtsp://h/x"}
    evil = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "=1+2"]
    for i, name in enumerate(evil):
        r = api_client.post("/api/v1/cameras", json={**body, "code": f"PV-{i}", "name_en": name})
        assert r.status_code == 201, r.text
    csv_text = api_client.get("/api/v1/cameras/export", params={"format": "csv"}).text
    for name in ("'=cmd", "'+1+1", "'-2+3", "'@SUM(A1)"):
        assert name in csv_text
    xlsx = api_client.get("/api/v1/cameras/export", params={"format": "xlsx"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(n, str) and n.startswith("'") for n in names)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # and what we exported imports back unchanged (the quote is ours, so it is removed)
    for fmt in ("csv", "xlsx"):
        exported = api_client.get("/api/v1/cameras/export", params={"format": fmt}).content
        assert _import(api_client, exported, f"e.{fmt}").json()["unchanged"] == len(evil)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return buffer.getvalue()


def test_hostile_files_are_4xx(api_client: TestClient) -> None:
    r = _import(api_client, b"x" * (10 * 1024 * 1024 + 1))
    assert r.status_code == 413
    r = _import(api_client, "รหัสกล้อง,ชื่อกล้อง\r\nA,กล้อง\r\n".encode("cp874"))
    assert r.status_code == 422
    assert "UTF-8" in r.json()["detail"]
    r = _import(api_client, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "photo.png")
    assert r.status_code == 422
    r = _import(api_client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert r.status_code == 422
    assert ".xls" in r.json()["detail"]
    r = _import(api_client, b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert r.status_code == 422
    r = _import(api_client, _zip_bomb(), "bomb.xlsx")
    assert r.status_code == 422
    assert "expands" in r.json()["detail"]
    rows = "code,name_en\r\n" + "".join(f"C{i},n\r\n" for i in range(50_001))
    r = _import(api_client, rows.encode())
    assert r.status_code == 422
    assert "50000" in r.json()["detail"]
    r = _import(api_client, b"name_en,address\r\nx,y\r\n")
    assert r.status_code == 422
    assert "code" in r.json()["detail"]
    huge = "code,name_en,agency,main_url\r\nH1," + "ก" * 5000 + ",PKT-HWY,rtsp://h/1\r\n"
    report = _import(api_client, huge.encode()).json()
    assert report["errors"][0]["column"] == "name_en"
    assert "4000" in report["errors"][0]["message"]
    r = api_client.post("/api/v1/cameras/import", data={"dry_run": "true"})
    assert r.status_code == 422
    assert _count(api_client) == 0


def test_xlsx_with_odd_types_and_merged_cells(api_client: TestClient) -> None:
    _import(api_client, SAMPLE_CSV)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Camera Code", "Name", "Agency Code", "RTSP URL", "Lat", "Long", "Installed"])
    sheet.append([1001, "Numeric code", "PKT-HWY", "rtsp://h/1001", 8.01, 98.3, 2567])
    sheet.append([1002, "Merged", "PKT-HWY", "rtsp://h/1002", "๘.๐๒", 98.31, None])
    sheet.append([1003, "lost in the merge", "PKT-HWY", "rtsp://h/1003"])
    sheet.merge_cells("A4:B4")  # keeps A4 (the code), empties B4 (the name)
    buffer = io.BytesIO()
    book.save(buffer)
    report = _import(api_client, buffer.getvalue(), "odd.xlsx", dry_run=True).json()
    errors = {(e["row"], e["column"]) for e in report["errors"]}
    assert (2, "Installed") in errors  # a bare number is not a date
    assert (4, "Name") in errors or (4, None) in errors  # merged cell: no name left
    assert report["failed_rows"] == 2
