"""The data-use request round trip in Debian Chromium on webui/evidence.html: a desk officer
requests footage of a camera, the owning agency's administrator approves it, the desk officer
downloads the export, and the downloaded zip verifies against the site's key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.fixtures_evidence import evidence_world
from tests.fixtures_identity import PASSWORD, World
from tests.fixtures_server import SESSION_COOKIE
from vms.evidence.verify import verify_export


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("evidence-ui")
    yield from evidence_world(f"sqlite:///{root / 'vms.db'}", root)


def _context(browser: Browser, world: World, role: str, agency: str) -> BrowserContext:
    with world.server.client() as c:
        r = c.post(
            "/api/v1/auth/login",
            json={"username": world.user(role, agency), "password": PASSWORD},
        )
        assert r.status_code == 200, r.text
        value = str(c.cookies[SESSION_COOKIE])
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": world.origin}])
    return context


def test_request_approve_download_round_trip(browser: Browser, site: World, tmp_path: Path) -> None:
    desk_ctx = _context(browser, site, "desk_officer", "muni")
    admin_ctx = _context(browser, site, "agency_admin", "muni")
    try:
        desk = desk_ctx.new_page()
        desk.goto(site.origin + "/evidence")
        camera = site.cameras["muni1"]
        desk.check(f'input[name="ev-camera"][value="{camera}"]')
        desk.fill("#ev-case", "PKT-2026-0077")
        desk.fill("#ev-basis", "Criminal Procedure Code s.132")
        desk.fill("#ev-reason", "theft at the market, 10 minutes")
        desk.click("#ev-submit")
        desk.wait_for_selector('#ev-list td[data-state="pending"]')
        assert "Request sent" in desk.text_content("#ev-message")  # type: ignore[operator]

        admin = admin_ctx.new_page()
        admin.goto(site.origin + "/evidence")
        admin.click('#ev-list button:has-text("Approve")')
        admin.wait_for_selector(
            '#ev-list td[data-state="approved"], #ev-list td[data-state="exported"]'
        )
        assert admin.locator("#ev-list a.download").count() == 0  # not theirs to download

        link = desk.wait_for_selector("#ev-list a.download", timeout=60_000)
        assert link is not None
        desk.screenshot(path=str(tmp_path / "evidence.png"), full_page=True)
        with desk.expect_download() as info:
            link.click()
        saved = tmp_path / "export.zip"
        info.value.save_as(saved)
        key = desk.request.get(site.origin + "/api/v1/evidence/public-key").json()
        result = verify_export(saved, key["public_key_pem"].encode())
        assert result.files == [f"camera-{camera}-main.mp4"]
        assert result.manifest["request"]["case_number"] == "PKT-2026-0077"

        # the case is closed: the approver gives the footage back to retention
        assert "locked: 1" in admin.text_content("#ev-list tbody tr")  # type: ignore[operator]
        assert desk.locator('#ev-list button:has-text("Release lock")').count() == 0
        admin.once("dialog", lambda dialog: dialog.accept("case closed in court"))
        admin.click('#ev-list button:has-text("Release lock")')
        admin.wait_for_selector('#ev-list td:text-is("released")')
        admin.screenshot(path=str(tmp_path / "released.png"), full_page=True)
        assert admin.locator('#ev-list button:has-text("Release lock")').count() == 0
    finally:
        desk_ctx.close()
        admin_ctx.close()
