"""The administration page (webui/admin.html) in Debian Chromium, in Thai: an agency
administrator shares two cameras with a police station by keyboard and downloads the day's
uptime report as a PDF in Thai; and sees only their own agency's users and audit records."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.fixtures_server import SESSION_COOKIE, LiveServer, site_settings
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.stream_states import StreamStateChange

PASSWORD = "admin-pages-password"
MUNI_TH = "เทศบาลนครภูเก็ต"
POLICE_TH = "สถานีตำรวจภูธรเมืองภูเก็ต"
CAMERAS = (("market", "muni", "ตลาดใหญ่"), ("pier", "muni", "ท่าเรือรัษฎา"),
           ("hall", "muni", "ศาลากลาง"), ("beach", "patong", "หาดป่าตอง"))  # fmt: skip
# the market camera went offline for a while earlier today (the site's today: within the last
# hour, or since the site's midnight if that is nearer - the report is the site's day)
OUTAGE = ((0.0, "online", None), (1 / 3, "offline", "camera unreachable"), (2 / 3, "online", None))


SITE_TZ = ZoneInfo("Asia/Bangkok")  # the test site's time zone (auth.coverage default)


@dataclass
class Site:
    server: LiveServer
    agencies: dict[str, int]
    cameras: dict[str, int]

    def context(self, browser: Browser, username: str, timezone: str = "UTC") -> BrowserContext:
        with self.server.client() as c:
            r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            cookie = str(c.cookies[SESSION_COOKIE])
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, accept_downloads=True, timezone_id=timezone
        )
        context.add_cookies(
            [{"name": SESSION_COOKIE, "value": cookie, "url": self.server.base_url}]
        )
        context.add_init_script("localStorage.setItem('vms.lang', 'th')")
        return context


def _id(r: httpx.Response) -> int:
    assert r.status_code < 300, r.text
    return int(r.json()["id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = site_settings(tmp_path_factory.mktemp("admin") / "vms.db")
    with LiveServer(settings) as server, server.client() as admin:
        LiveServer.sign_in(admin)
        agencies = {
            key: _id(
                admin.post("/api/v1/agencies", json={"code": code, "kind": kind, "name_th": name})
            )
            for key, code, kind, name in (
                ("muni", "PKT-MUNI", "municipality", MUNI_TH),
                ("police", "PKT-POL1", "police_station", POLICE_TH),
                ("patong", "PKT-PATONG", "municipality", "เทศบาลเมืองป่าตอง"),
            )
        }
        cameras = {}
        for key, owner, name in CAMERAS:
            body = {"code": f"CAM-{key.upper()}", "agency_id": agencies[owner], "name_th": name,
                    "main_url": f"rtsp://127.0.0.1:9/{key}", "pull_mode": "on_demand"}  # fmt: skip
            cameras[key] = _id(admin.post("/api/v1/cameras", json=body))
        with server.services.db.session() as s:
            for name, role, agency in (("muni-admin", Role.AGENCY_ADMIN, "muni"),
                                       ("muni-op", Role.OPERATOR, "muni"),
                                       ("police-desk", Role.DESK_OFFICER, "police"),
                                       ("patong-admin", Role.AGENCY_ADMIN, "patong")):  # fmt: skip
                create_user(s, UserSpec(name, PASSWORD, agencies[agency], role, name), None)
            now = datetime.now(UTC)
            midnight = datetime.combine(now.astimezone(SITE_TZ).date(), time(0), SITE_TZ)
            span = min(timedelta(hours=1), now - midnight)
            for share, state, reason in OUTAGE:
                at = now - span + share * span
                cam = cameras["market"]
                s.add(
                    StreamStateChange(
                        camera_id=cam, stream="main", state=state, reason=reason, at=at
                    )
                )
        with server.client() as other:  # the other agency's admin signs in: an audit record
            r = other.post(
                "/api/v1/auth/login", json={"username": "patong-admin", "password": PASSWORD}
            )
            assert r.status_code == 200
        yield Site(server, agencies, cameras)


def open_section(page: Page, site: Site, section: str) -> None:
    page.goto(f"{site.server.base_url}/admin#{section}")
    page.wait_for_selector(
        f"body[data-ready={section}], #admin-message:not(:empty)", timeout=30_000
    )
    assert page.locator("#admin-message").inner_text() == ""


def test_share_two_cameras_and_download_the_days_pdf(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    # a browser far from the site: its date is the site's only part of the day
    context = site.context(browser, "muni-admin", timezone="America/Los_Angeles")
    page = context.new_page()
    try:
        open_section(page, site, "sharing")
        assert page.locator("h2").first.inner_text() == "กล้องที่เราแบ่งปันให้ผู้อื่น"
        page.focus("#grant-grantee")
        page.select_option("#grant-grantee", str(site.agencies["police"]))
        page.select_option(
            "#grant-cameras", [str(site.cameras["market"]), str(site.cameras["pier"])]
        )
        assert page.locator("#grant-grantee option", has_text="เทศบาลเมืองป่าตอง").count() == 1
        page.focus("#grant-note")
        page.keyboard.type("ขอใช้ภาพตามหนังสือที่ 12/2569")
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_selector("#grants-given tbody tr[data-grant-id] >> nth=1")
        page.screenshot(path=str(tmp_path / "sharing.png"), full_page=True)
        message = page.locator("#admin-message").inner_text()
        assert "แบ่งปัน 2 รายการให้ " + POLICE_TH in message
        shared = {int(c) for c in page.locator("#grants-given tr[data-grant-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.camera)")}  # fmt: skip
        assert shared == {site.cameras["market"], site.cameras["pier"]}
        with site.server.client() as desk:  # the police desk sees them at once
            desk.post("/api/v1/auth/login", json={"username": "police-desk", "password": PASSWORD})
            codes = {c["code"] for c in desk.get("/api/v1/cameras").json()["items"]}
            assert codes == {"CAM-MARKET", "CAM-PIER"}

        page.click("#admin-nav [data-section=reports]")
        page.wait_for_selector("body[data-ready=reports]")
        row = page.locator("#report-agencies tbody tr").first
        assert MUNI_TH in row.inner_text()
        assert "CAM-MARKET" in page.locator("#report-outages").inner_text()
        now = datetime.now(SITE_TZ)  # the site's today, not the browser's (a minute's grace)
        today = {now.date().isoformat(), (now - timedelta(minutes=1)).date().isoformat()}
        assert page.input_value("#report-day") in today
        assert "GMT+7" in page.locator("#report-outages tbody tr").first.inner_text()
        # the 20 % selection: the agency is short, one click links the suggested camera
        button = page.wait_for_selector("#selection-suggestions button.link-camera")
        assert button is not None
        suggested = int(button.get_attribute("data-camera") or 0)
        assert suggested in site.cameras.values()
        page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
        button.click()
        page.wait_for_function(
            "() => !document.querySelector('#selection-suggestions button.link-camera')"
        )
        with site.server.client() as admin:
            admin.post("/api/v1/auth/login", json={"username": "muni-admin", "password": PASSWORD})
            assert admin.get(f"/api/v1/cameras/{suggested}").json()["central_link"] is True
        assert "เชื่อมโยงแล้ว 1 จาก" in page.locator("#selection-site").inner_text()
        page.screenshot(path=str(tmp_path / "selection.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#report-pdf")
        pdf_path = tmp_path / "uptime.pdf"
        info.value.save_as(pdf_path)
    finally:
        context.close()
    text = "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    )
    for expected in ("รายงานตรวจสอบกล้อง", MUNI_TH, "ตลาดใหญ่", "ออฟไลน์", "เหตุขัดข้องที่นานที่สุด"):
        assert expected in text, expected
    assert POLICE_TH not in text and "ป่าตอง" not in text  # only the admin's own agency
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(pdf_path),
                    str(tmp_path / "page")], check=True, timeout=30)  # fmt: skip


def test_an_agency_admin_sees_only_their_agencys_users_and_audit(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    context = site.context(browser, "muni-admin")
    page = context.new_page()
    try:
        open_section(page, site, "users")
        names = set(page.locator("#users-table tr[data-username]").evaluate_all(
            "rows => rows.map(r => r.dataset.username)"))  # fmt: skip
        assert names == {"muni-admin", "muni-op"}
        page.click("#users-table tr[data-username=muni-op] button >> nth=2")  # sign-ins
        page.wait_for_selector("#signin-table")

        page.fill("#new-username", "muni-op2")
        page.fill("#new-display", "นายสมชาย ใจดี")
        page.select_option("#new-role", "desk_officer")
        page.press("#new-display", "Enter")
        page.wait_for_selector("#users-table tr[data-username=muni-op2]")
        page.screenshot(path=str(tmp_path / "users.png"), full_page=True)
        shown = page.locator("#users-new-password code").inner_text()
        assert shown.startswith("muni-op2: ")
        with site.server.client() as c:  # the password shown once signs the new user in
            r = c.post("/api/v1/auth/login", json={"username": "muni-op2", "password": shown[10:]})
            assert r.status_code == 200, r.text
            assert c.get("/api/v1/auth/me").json()["role"] == "desk_officer"

        open_section(page, site, "audit")
        audit = page.locator("#audit-table").inner_text()
        assert "muni-admin" in audit  # their own sign-in
        assert "patong-admin" not in audit
        page.click("#audit-verify")
        page.wait_for_selector("#audit-verify-result:not(:empty)")
        assert "หัวหน้าศูนย์สั่งการ" in page.locator("#audit-verify-result").inner_text()
        csv_href = page.get_attribute("#audit-csv", "href")
        assert csv_href is not None and csv_href.startswith("/api/v1/audit/export.csv")
    finally:
        context.close()


def test_duty_coverage_page_in_thai(browser: Browser, site: Site) -> None:
    context = site.context(browser, "police-desk")
    page = context.new_page()
    try:
        page.goto(f"{site.server.base_url}/coverage")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        assert page.locator("h1").inner_text() == "เวรเฝ้าระวัง"
        assert page.locator("#now-table th").first.inner_text() == "สถานีตำรวจ"
        row = page.locator("#now-table tbody tr").first
        assert POLICE_TH in row.inner_text()
        assert row.locator("td.state").inner_text() in {"ครบ", "ไม่ครบ"}
        page.click("#lang-switch [data-lang=en]")
        page.wait_for_selector("h1:text('Duty coverage')")
    finally:
        context.close()
