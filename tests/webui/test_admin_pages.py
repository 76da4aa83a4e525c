"""The administration pages in Debian Chromium, as an agency administrator: issue 11's whole
"done when" by one person in one browser (sign in through the form, upload the agency's real
XLSX sheet, map the one unknown column, dry run, apply by keyboard, export, share two of the
new cameras with a police station, download the day's uptime report as a Thai PDF), and the
cameras page (add by RTSP URL with credentials that are never shown
again, edit, retire, Thai texts)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pypdf
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_server import SESSION_COOKIE, LiveServer, site_settings
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.registry import Agency

SHEET = (
    Path(__file__).resolve().parents[2] / "samples" / "agency-sheets" / "patong-municipality.xlsx"
)
PASSWORD = "admin-pages-password"
POLICE_TH = "สถานีตำรวจภูธรป่าตอง"


@dataclass
class Site:
    server: LiveServer
    agency_id: int
    police_id: int

    def context(self, browser: Browser, username: str) -> BrowserContext:
        with self.server.client() as c:
            r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            cookie = str(c.cookies[SESSION_COOKIE])
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, accept_downloads=True
        )
        context.add_cookies(
            [{"name": SESSION_COOKIE, "value": cookie, "url": self.server.base_url}]
        )
        return context

    def cameras(self) -> dict[str, dict[str, object]]:
        with self.server.client() as c:
            LiveServer.sign_in(c)
            items = c.get("/api/v1/cameras", params={"limit": 1000}).json()["items"]
        return {str(cam["code"]): cam for cam in items if cam["agency_id"] == self.agency_id}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = site_settings(
        tmp_path_factory.mktemp("admin") / "vms.db",
        registry={"province_bounds": [7.74, 98.25, 8.21, 98.48]},  # Phuket
    )
    with LiveServer(settings) as server:
        with server.services.db.session() as session:
            agency = Agency(code="PKT-MUNI-PATONG", kind="municipality", name_th="เทศบาลเมืองป่าตอง")
            police = Agency(code="PKT-POL-PATONG", kind="police_station", name_th=POLICE_TH)
            session.add_all([agency, police])
            session.flush()
            for name in ("clerk", "keeper"):
                create_user(
                    session, UserSpec(name, PASSWORD, agency.id, Role.AGENCY_ADMIN, name), None
                )
            agency_id, police_id = agency.id, police.id
        yield Site(server, agency_id, police_id)


def _open(page: Page, site: Site, section: str) -> None:
    page.goto(f"{site.server.base_url}/admin#{section}")
    page.wait_for_selector(f'section[data-section="{section}"][data-ready="true"]', timeout=30_000)


def test_done_when_import_share_and_the_days_report(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    try:
        page = context.new_page()
        # signed out, the administration page sends the clerk to the sign-in form, and back
        page.goto(f"{site.server.base_url}/admin")
        page.wait_for_selector("#signin-dialog[open]")
        page.fill("#signin-username", "clerk")
        page.fill("#signin-password", PASSWORD)
        page.press("#signin-password", "Enter")
        page.wait_for_selector("#link-admin")
        page.click("#link-admin")
        page.wait_for_selector("body[data-ready]")
        _open(page, site, "import")
        assert page.get_attribute('#admin-nav a[data-section="import"]', "aria-current") == "page"
        page.set_input_files("#import-file", str(SHEET))
        page.click("#btn-read")
        page.wait_for_selector("#columns-table")
        known = page.inner_text('#columns-table tr[data-header="พิกัด (lat,long)"]')
        assert "Latitude,longitude" in known
        unknown = '#columns-table select[data-header="ผู้ดูแล"]'
        assert page.locator("#columns-table select").count() == 1  # the one column we do not know
        page.select_option(unknown, "notes")
        page.focus("#btn-dry-run")
        page.keyboard.press("Enter")
        page.wait_for_selector("#import-counts")
        assert page.inner_text('#import-counts [data-count="created"]') == "6 new"
        assert page.locator("#errors-table").count() == 0
        assert "ผู้ดูแล: นายสมชาย" in page.inner_text("#changes-table")
        assert site.cameras() == {}  # the dry run saved nothing
        page.wait_for_selector("#btn-apply:not([disabled])")
        assert page.evaluate("document.activeElement.id") == "btn-apply"  # next step focused
        page.keyboard.press("Enter")
        page.wait_for_selector("#admin-message.ok >> text=Saved")
        cams = site.cameras()
        assert sorted(cams) == [f"PTG-00{i}" for i in range(1, 7)]
        assert cams["PTG-001"]["notes"] == "ผู้ดูแล: นายสมชาย"
        page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

        # the next upload of the same sheet asks nothing: the choice was remembered
        page.reload()
        page.wait_for_selector('section[data-section="import"][data-ready="true"]')
        page.set_input_files("#import-file", str(SHEET))
        page.click("#btn-read")
        page.wait_for_selector("#columns-table")
        assert page.input_value('#columns-table select[data-header="ผู้ดูแล"]') == "notes"
        assert "Every column is understood" in page.inner_text("#import-columns")

        with page.expect_download() as download:
            page.click("#export-xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        assert sheet is not None
        codes = sorted(str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True))
        assert codes == [f"PTG-00{i}" for i in range(1, 7)]

        # two of the new cameras shared with the police station, seen there at once
        _open(page, site, "sharing")
        page.select_option("#grant-grantee", str(site.police_id))
        two = [str(cams["PTG-001"]["id"]), str(cams["PTG-002"]["id"])]
        page.select_option("#grant-cameras", two)
        page.focus("#grant-note")
        page.keyboard.type("ตามหนังสือขอใช้ภาพ 7/2569")
        page.keyboard.press("Enter")
        page.wait_for_selector("#grants-given tbody tr[data-grant-id] >> nth=1")
        shared = page.locator("#grants-given tr[data-grant-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.camera)"
        )
        assert sorted(shared) == sorted(two)

        # and the day's uptime report, downloaded as a PDF in Thai
        page.click("#admin-nav [data-section=reports]")
        page.wait_for_selector("body[data-ready=reports]")
        with page.expect_download() as report:
            page.click("#report-pdf")
        pdf = Path(report.value.path()).read_bytes()
    finally:
        context.close()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "รายงานตรวจสอบกล้อง" in text and "เทศบาลเมืองป่าตอง" in text


def test_cameras_page_add_edit_retire(browser: Browser, site: Site, tmp_path: Path) -> None:
    context = site.context(browser, "keeper")
    try:
        page = context.new_page()
        page.on("dialog", lambda d: d.accept())
        _open(page, site, "cameras")
        page.click("#btn-add-camera")
        assert page.evaluate("document.activeElement.id") == "cam-code"
        page.fill("#cam-code", "PTG-NEW-1")
        page.fill("#cam-name_th", "หน้าโรงเรียนบ้านป่าตอง")
        page.fill("#cam-main_url", "rtsp://127.0.0.1:9/new1")
        page.fill("#cam-username", "viewer")
        page.keyboard.press("Enter")  # submit without the password: refused in words
        assert "both" in page.inner_text("#admin-message")
        page.fill("#cam-password", "Cam-secret-77")
        page.check("#cam-central")
        page.click("#btn-save-camera")
        row = '#cams-table tr[data-code="PTG-NEW-1"]'
        page.wait_for_selector(row)
        assert "set" in page.inner_text(row) and "linked" in page.inner_text(row)
        assert "Cam-secret-77" not in page.content()
        page.click(f'{row} button[data-action="edit"]')
        assert page.input_value("#cam-password") == ""  # never shown again
        page.fill("#cam-name_en", "Patong school")
        page.click("#btn-save-camera")
        page.wait_for_selector(f"{row} >> text=Patong school")
        page.fill("#cams-search", "school")
        expect(page.locator("#cams-table tbody tr")).to_have_count(1)
        page.click(f'{row} button[data-action="retire"]')
        page.wait_for_selector(f"{row} >> text=retired")
        assert site.cameras()["PTG-NEW-1"]["state"] == "retired"
        page.click("#lang-th")
        page.wait_for_selector('#admin-nav a[data-section="cameras"] >> text=กล้อง')
        assert "ปลดระวาง" in page.inner_text(row)
        page.screenshot(path=str(tmp_path / "cameras.png"), full_page=True)
    finally:
        context.close()


def test_broken_sheet_errors_by_row_and_column(browser: Browser, site: Site) -> None:
    context = site.context(browser, "clerk")
    try:
        page = context.new_page()
        _open(page, site, "import")
        page.set_input_files("#import-file", str(SHEET.with_name("broken-rows.xlsx")))
        page.click("#btn-read")
        page.wait_for_selector("#columns-table")
        assert page.locator("#agencies-table").count() == 1  # the unknown agency name, to map
        page.click("#btn-dry-run")
        page.wait_for_selector("#errors-table")
        rows = page.eval_on_selector_all(
            "#errors-table tbody tr",
            "trs => trs.map(tr => [tr.cells[0].textContent, tr.cells[1].textContent])",
        )
        assert ["7", "หน่วยงาน"] in rows and ["2", "รหัสกล้อง"] in rows
        assert "9" in page.inner_text("#warnings-table")  # outside the province: a warning
        assert page.is_disabled("#btn-apply")
        assert "errors" in page.inner_text("#admin-message")
    finally:
        context.close()


def test_add_a_camera_by_its_onvif_address(
    browser: Browser, site: Site, camsim_factory: CamsimFactory
) -> None:
    """Only the ONVIF address and the camera's credentials: the server asks the (simulated)
    camera for its streams; a wrong password is refused in words and never shown back."""
    sim = camsim_factory(cameras=1, onvif=True)
    sim.require_auth("onvif-admin", "Onvif-Pass-42")
    context = site.context(browser, "keeper")
    try:
        page = context.new_page()
        _open(page, site, "cameras")
        page.click("#btn-add-camera")
        page.fill("#cam-code", "PTG-ONVIF-1")
        page.fill("#cam-name_th", "หาดป่าตอง ONVIF")
        page.fill("#cam-onvif_url", sim.onvif_url(1))
        page.fill("#cam-username", "onvif-admin")
        page.fill("#cam-password", "not-the-password")
        page.click("#btn-save-camera")
        page.wait_for_selector("#admin-message:not(:empty)")
        refused = page.inner_text("#admin-message")
        assert "refused the stored credentials" in refused and "not-the-password" not in refused
        assert site.cameras().get("PTG-ONVIF-1") is None
        page.fill("#cam-password", "Onvif-Pass-42")
        page.click("#btn-save-camera")
        page.wait_for_selector("#admin-message.ok")
        cam = site.cameras()["PTG-ONVIF-1"]
        assert cam["main_url"] == sim.url(1, "main") and cam["onvif_url"] == sim.onvif_url(1)
        assert cam["has_credentials"] is True
    finally:
        context.close()
