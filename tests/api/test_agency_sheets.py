"""Agency inventories as agencies keep them (samples/agency-sheets, made by
samples/make_agency_sheets.py), imported through the API by the agency's own administrator:
Thai headers and digits, resolutions and dates as written, placeholders, formula values,
the column and agency mapping (remembered for the next upload), broken rows refused by row and
column, and the import job with progress."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.conftest import sign_in
from vms.app import create_app
from vms.auth.roles import Role
from vms.config import load_settings
from vms.db.models.identity import AuditRecord
from vms.db.models.registry import Agency
from vms.registry.thai import search_key
from vms.services import Services

SHEETS = Path(__file__).resolve().parents[2] / "samples" / "agency-sheets"
PHUKET = (7.74, 98.25, 8.21, 98.48)


class Site:
    """One app with three agencies and a client per role that matters here."""

    def __init__(self, app: Any) -> None:
        self.app = app
        services: Services = app.state.services
        with services.db.session() as session:
            made = [
                Agency(code="CC-ADMIN", kind="command_center", name_en="Admins"),
                Agency(code="PKT-MUNI-PATONG", kind="municipality", name_th="เทศบาลเมืองป่าตอง"),
                Agency(code="PKT-POL-KATHU", kind="police_station", name_th="สถานีตำรวจภูธรกะทู้"),
            ]
            session.add_all(made)
            session.flush()
            self.admin_agency, self.patong, self.kathu = (a.id for a in made)
        self.clients: list[TestClient] = []

    def client(self, role: Role, agency_id: int) -> TestClient:
        client = TestClient(self.app)
        self.clients.append(client)
        sign_in(client, role, agency_id)
        return client


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    settings = load_settings(
        None,
        database={"url": db_url},
        ingest={"camera_networks": ["127.0.0.0/8"]},
        registry={"province_bounds": list(PHUKET)},
    )
    with TestClient(create_app(settings)) as lifespan:
        site = Site(lifespan.app)
        yield site
        for client in site.clients:
            client.close()


def _import(
    client: TestClient,
    name: str,
    *,
    dry_run: bool,
    mapping: dict[str, Any] | None = None,
    **form: Any,
) -> dict[str, Any]:
    data = {"dry_run": str(dry_run).lower(), **{k: str(v) for k, v in form.items()}}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping)
    r = client.post(
        "/api/v1/cameras/import",
        files={"file": (name, (SHEETS / name).read_bytes(), "application/octet-stream")},
        data=data,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _cameras(client: TestClient) -> dict[str, dict[str, Any]]:
    items = client.get("/api/v1/cameras", params={"limit": 1000}).json()["items"]
    return {c["code"]: c for c in items}


def test_municipality_sheet_mapped_once_then_remembered(site: Site) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.patong)
    first = _import(clerk, "patong-municipality.xlsx", dry_run=True)
    assert first["errors"] == []
    assert first["unknown_columns"] == ["ผู้ดูแล"]
    read_as = {c["header"]: c["target"] for c in first["columns"]}
    assert read_as["ลำดับ"] == "sequence"
    assert read_as["ชื่อจุดติดตั้ง"] == "name_th"
    assert read_as["พิกัด (lat,long)"] == "coordinates"
    assert (read_as["อำเภอ"], read_as["ตำบล"]) == ("district", "subdistrict")
    assert first["created"] == 6
    assert _cameras(clerk) == {}  # a dry run writes nothing

    report = _import(clerk, "patong-municipality.xlsx", dry_run=False,
                     mapping={"columns": {"ผู้ดูแล": "notes"}})  # fmt: skip
    assert (report["applied"], report["created"]) == (True, 6), report["errors"]
    cams = _cameras(clerk)
    assert set(cams) == {f"PTG-00{i}" for i in range(1, 7)}  # PTG-005 from the formula's value
    one, two, three = cams["PTG-001"], cams["PTG-002"], cams["PTG-003"]
    assert one["agency_code"] == "PKT-MUNI-PATONG"  # no agency column: the importer's agency
    assert one["name_th"] == "หน้าห้างจังซีลอน"
    assert (one["latitude"], one["longitude"]) == (7.8913, 98.2990)
    assert (two["latitude"], two["longitude"]) == (7.8934, 98.2969)  # Thai digits, one cell
    assert cams["PTG-004"]["longitude"] == 98.2905  # "lat long" with a space
    assert [c["resolution"] for c in (one, two, three)] == ["1920x1080", "2560x1440", "1920x1080"]
    assert cams["PTG-004"]["resolution"] == "1920x1080"  # 1080p
    assert cams["PTG-005"]["resolution"] == "3840x2160"  # 4K
    assert cams["PTG-006"]["resolution"] == "1920x1080"  # 1920*1080
    assert two["model"] is None and cams["PTG-004"]["model"] is None  # "-", "N/A"
    assert cams["PTG-005"]["model"] is None  # ไม่ทราบ
    assert one["install_date"] == "2023-11-05"  # an Excel date cell
    assert two["install_date"] == "2024-01-01"  # an Excel date serial
    assert three["install_date"] == "2024-01-12"  # 12 มกราคม 2567
    assert cams["PTG-004"]["install_date"] == "2023-03-15"  # ๑๕/๐๓/๒๕๖๖
    assert cams["PTG-005"]["install_date"] == "2023-02-01"  # 1 ก.พ. 66
    assert one["state"] == two["state"] == three["state"] == "active"
    assert one["tags"] == ["กะทู้", "ป่าตอง"]  # district and sub-district
    assert search_key("ชำรุด") in two["tags"] and "รอซ่อม" in three["tags"]  # status as written
    assert one["notes"] == "ผู้ดูแล: นายสมชาย"  # the mapped column
    assert cams["PTG-004"]["notes"] is None  # "ไม่มี" is empty

    # the next upload asks nothing: the mapping was remembered for the agency
    remembered = clerk.get("/api/v1/imports/mapping").json()
    assert remembered["columns"] == {"ผู้ดูแล": "notes"}
    again = _import(clerk, "patong-municipality.xlsx", dry_run=True)
    assert again["unknown_columns"] == []
    assert {c["header"]: c["source"] for c in again["columns"]}["ผู้ดูแล"] == "mapped"
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    # and export -> import changes nothing, formulas defused on the way out
    exported = clerk.get("/api/v1/cameras/export", params={"format": "xlsx"})
    assert exported.status_code == 200
    back = clerk.post("/api/v1/cameras/import",
                      files={"file": ("e.xlsx", exported.content, "application/octet-stream")},
                      data={"dry_run": "true"}).json()  # fmt: skip
    assert (back["errors"], back["unchanged"]) == ([], 6), back["changes"]


def test_police_csv_agency_name_mapped_and_unknown_resolution_kept(site: Site) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.kathu)
    first = _import(clerk, "kathu-police.csv", dry_run=True)
    assert first["unknown_agencies"] == ["สภ.กะทู้"]
    assert {(e["row"], e["column"]) for e in first["errors"]} == {
        (2, "หน่วยงาน"), (3, "หน่วยงาน"), (4, "หน่วยงาน")
    }  # fmt: skip
    assert "map it to an agency" in first["errors"][0]["message"]
    mapping = {"agencies": {"สภ.กะทู้": site.kathu}}
    report = _import(clerk, "kathu-police.csv", dry_run=False, mapping=mapping)
    assert (report["applied"], report["created"]) == (True, 3), report["errors"]
    warned = {(w["row"], w["column"]) for w in report["warnings"]}
    assert (4, "ความละเอียด") in warned  # "IR 30m" maps to no size
    cams = _cameras(clerk)
    first_cam, second, third = cams["KTU-POL-01"], cams["KTU-POL-02"], cams["KTU-POL-03"]
    assert (first_cam["latitude"], first_cam["longitude"]) == (7.9158, 98.3332)
    assert first_cam["resolution"] == "1920x1080"  # ๒MP
    assert first_cam["install_date"] == "2022-03-03"  # 3 มี.ค. 2565
    assert first_cam["notes"] == "หันไปทางถนนวิชิตสงคราม"  # our notes column, as written
    assert second["resolution"] == "1280x720" and second["install_date"] is None
    assert second["model"] is None and second["notes"] is None  # "-" placeholders
    assert third["resolution"] is None
    assert third["notes"] == "ความละเอียด: IR 30m"  # kept, and the warning said so
    assert third["install_date"] == "2023-03-15"  # "45000", an Excel serial written as text
    # the agency name is remembered too: the same file needs no mapping next time
    again = _import(clerk, "kathu-police.csv", dry_run=True)
    assert (again["errors"], again["unchanged"]) == ([], 3)


@pytest.mark.parametrize("name", ["broken-rows.xlsx", "broken-rows.csv"])
def test_broken_rows_refused_by_row_and_column(site: Site, name: str) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.patong)
    report = _import(clerk, name, dry_run=False)
    assert report["applied"] is False
    errors = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert "empty" in errors[(2, "รหัสกล้อง")]
    assert "twice" in errors[(4, "รหัสกล้อง")]
    assert (5, "ละติจูด") in errors  # 123.4: outside the world
    assert "file" in errors[(6, "URL")]
    assert "may not manage" in errors[(7, "หน่วยงาน")]  # the police station's agency
    assert "unknown agency" in errors[(8, "หน่วยงาน")]
    assert "formula" in errors[(10, "รหัสกล้อง")]  # no saved value (XLSX) / "=" text (CSV)
    assert report["unknown_agencies"] == ["เทศบาลนครดาวอังคาร"]
    warnings = {(w["row"], w["column"]): w["message"] for w in report["warnings"]}
    assert "outside the province" in warnings[(9, "ละติจูด")]  # Bangkok: kept, but said
    assert report["failed_rows"] == 7
    assert _cameras(clerk) == {}  # the valid rows (3, 9) are not applied either


def test_agency_admin_imports_only_for_own_agency(site: Site) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.patong)
    r = clerk.post(
        "/api/v1/cameras/import",
        files={"file": ("s.csv", (SHEETS / "kathu-police.csv").read_bytes(), "text/csv")},
        data={"dry_run": "true", "agency_id": str(site.kathu)},
    )
    assert r.status_code == 404  # another agency's: as if missing
    assert clerk.get("/api/v1/imports/mapping", params={"agency_id": site.kathu}).status_code == 404
    operator = site.client(Role.OPERATOR, site.patong)
    r = operator.post(
        "/api/v1/cameras/import",
        files={"file": ("s.csv", (SHEETS / "kathu-police.csv").read_bytes(), "text/csv")},
    )
    assert r.status_code == 403
    r = clerk.post(
        "/api/v1/cameras/import",
        files={"file": ("s.csv", b"code\r\nx\r\n", "text/csv")},
        data={"mapping": json.dumps({"columns": {"code": "password_hash"}})},
    )
    assert r.status_code == 422 and "mapping" in r.json()["detail"]


def test_import_job_reports_progress_and_is_private(site: Site) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.patong)
    r = clerk.post(
        "/api/v1/imports",
        files={"file": ("p.xlsx", (SHEETS / "patong-municipality.xlsx").read_bytes(), "x/y")},
        data={"mapping": json.dumps({"columns": {"ผู้ดูแล": "ignore"}})},
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "running", "done")
    job = _wait(clerk, job["id"])
    assert job["state"] == "done", job
    assert (job["done"], job["total"]) == (6, 6)
    assert (job["report"]["applied"], job["report"]["created"]) == (True, 6)
    assert len(_cameras(clerk)) == 6
    services: Services = site.app.state.services
    with services.db.session() as session:
        audited = session.scalars(select(AuditRecord).filter_by(action="camera.import")).all()
    assert [len(r.detail["camera_ids"]) for r in audited] == [6]  # committed with the cameras
    other = site.client(Role.AGENCY_ADMIN, site.patong)
    assert other.get(f"/api/v1/imports/{job['id']}").status_code == 404


def test_hostile_uploads_refused_in_words(site: Site) -> None:
    clerk = site.client(Role.AGENCY_ADMIN, site.patong)
    big = b"code,name\r\n" + b"x" * (12 * 1024 * 1024)
    for path in ("/api/v1/imports", "/api/v1/cameras/import"):
        r = clerk.post(path, files={"file": ("big.csv", big, "text/csv")})
        assert r.status_code == 413, r.text
        assert "MB" in r.json()["detail"]
    # an XLSX whose sheet would expand to 300 MB: refused from the zip directory, before opening
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    r = clerk.post("/api/v1/imports", files={"file": ("bomb.xlsx", buffer.getvalue(), "x/y")})
    assert r.status_code == 202
    job = _wait(clerk, r.json()["id"])
    assert job["state"] == "failed" and "expands to" in job["error"]
    r = clerk.post("/api/v1/imports", files={"file": ("photo.xlsx", b"\x89PNG\r\n\x1a\n", "x/y")})
    job = _wait(clerk, r.json()["id"])
    assert job["state"] == "failed" and "not a valid XLSX" in job["error"]


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    for _ in range(400):
        job = dict(client.get(f"/api/v1/imports/{job_id}").json())
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import job {job_id} did not finish")
