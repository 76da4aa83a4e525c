"""The emergency in Debian Chromium: the governor's office declares on webui/emergency.html;
a police desk officer's open wall shows the banner (type, declarer, end time) within a poll
of one second; ending it removes the banner as quickly. The banner polls GET /api/v1/emergency
each second (no browser events stream exists yet)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.fixtures_server import SESSION_COOKIE, LiveServer, site_settings
from tests.webui.wall_page import open_wall
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.registry import Agency

PASSWORD = "emergency-test-password"
POLL_S = 1.0
SLACK_S = 0.5  # one request and a repaint on a shared, busy machine


@dataclass
class Site:
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.base_url

    def context(self, browser: Browser, username: str) -> BrowserContext:
        with self.server.client() as c:
            r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            value = str(c.cookies[SESSION_COOKIE])
        context = browser.new_context(viewport={"width": 1400, "height": 800})
        context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": self.url}])
        return context


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = site_settings(tmp_path_factory.mktemp("emergency") / "vms.db")
    with LiveServer(settings) as server:
        with server.services.db.session() as session:
            gov = Agency(code="PKT-GOV", kind="governor_office", name_en="Governor's Office")
            police = Agency(code="PKT-POL", kind="police_station", name_en="Patong Police")
            muni = Agency(code="PKT-MUNI", kind="municipality", name_en="Kathu Municipality")
            session.add_all([gov, police, muni])
            session.flush()
            for name, role, agency_id, display in (
                ("governor", Role.GOVERNOR, gov.id, "Governor's Office"),
                ("desk", Role.DESK_OFFICER, police.id, "Desk officer"),
                ("muni-desk", Role.DESK_OFFICER, muni.id, "Municipal desk"),
            ):
                create_user(session, UserSpec(name, PASSWORD, agency_id, role, display), None)
        yield Site(server)


def test_declare_shows_banner_on_wall_within_a_second_and_end_removes_it(
    browser: Browser, site: Site
) -> None:
    desk_ctx = site.context(browser, "desk")
    gov_ctx = site.context(browser, "governor")
    try:
        wall = desk_ctx.new_page()
        open_wall(wall, site.url)
        assert wall.locator("#emergency-banner").is_hidden()

        command = gov_ctx.new_page()
        command.goto(site.url + "/emergency")
        command.wait_for_selector("#em-agencies input[name=em-agency]")
        command.wait_for_selector('#em-state[data-state="none"]')
        command.select_option("#em-type", "terrorism")
        command.fill("#em-reason", "Bomb threat at Patong pier")
        command.fill("#em-duration", "30")
        with command.expect_response(
            lambda r: r.url.endswith("/api/v1/emergency") and r.request.method == "POST"
        ) as declared:
            command.click("#em-declare")
        assert declared.value.status == 201
        committed = time.monotonic()
        wall.wait_for_selector(
            '#emergency-banner[data-state="active"]', timeout=(POLL_S + SLACK_S + 1) * 1000
        )
        took = time.monotonic() - committed
        assert took < POLL_S + SLACK_S, f"banner after {took:.2f} s"
        text = wall.inner_text("#emergency-banner")
        assert "Terrorism" in text and "Governor's Office" in text and "until" in text
        command.wait_for_selector('#em-state[data-state="active"]')
        assert command.locator("#em-form").is_hidden()

        with command.expect_response(
            lambda r: r.url.endswith("/api/v1/emergency") and r.request.method == "DELETE"
        ) as ended:
            command.click("#em-end")
        assert ended.value.status == 200
        gone = time.monotonic()
        wall.wait_for_selector("#emergency-banner", state="hidden", timeout=3_000)
        assert time.monotonic() - gone < POLL_S + SLACK_S
        command.wait_for_selector('#em-state[data-state="none"]')
    finally:
        desk_ctx.close()
        gov_ctx.close()


def test_the_banner_shows_only_on_the_walls_in_scope(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    """Scope: the police station. Its desk's wall shows the banner; the municipality's does not."""
    desk_ctx = site.context(browser, "desk")
    muni_ctx = site.context(browser, "muni-desk")
    try:
        desk, muni = desk_ctx.new_page(), muni_ctx.new_page()
        open_wall(desk, site.url)
        open_wall(muni, site.url)
        with site.server.client() as gov:
            r = gov.post("/api/v1/auth/login", json={"username": "governor", "password": PASSWORD})
            assert r.status_code == 200, r.text
            police_id = next(
                a["id"]
                for a in gov.get("/api/v1/agencies").json()["items"]
                if a["code"] == "PKT-POL"
            )
            scope = {"agency_ids": [police_id]}
            body = {"type": "natural_disaster", "reason": "Flood in Patong", "duration_s": 300,
                    "scope": scope, "include_command_center": False}  # fmt: skip
            r = gov.post("/api/v1/emergency", json=body, headers={"Origin": site.url})
            assert r.status_code == 201, r.text
            try:
                desk.wait_for_selector('#emergency-banner[data-state="active"]', timeout=5_000)
                with muni.expect_response(
                    lambda resp: "/api/v1/emergency" in resp.url and resp.status == 200
                ) as polled:
                    pass
                assert polled.value.json()["in_scope"] is False
                assert muni.locator("#emergency-banner").is_hidden()
                desk.screenshot(path=str(tmp_path / "in-scope.png"))
                muni.screenshot(path=str(tmp_path / "out-of-scope.png"))
            finally:
                assert (
                    gov.delete("/api/v1/emergency", headers={"Origin": site.url}).status_code == 200
                )
    finally:
        desk_ctx.close()
        muni_ctx.close()


def test_refusals_are_shown_as_text(browser: Browser, site: Site) -> None:
    ctx = site.context(browser, "desk")  # not the governor's office
    try:
        page = ctx.new_page()
        page.goto(site.url + "/emergency")
        page.wait_for_selector("#em-agencies input[name=em-agency]")
        page.fill("#em-reason", "x")
        page.click("#em-declare")
        # (the page's CSP forbids eval, so wait on a locator, not a JS predicate)
        page.locator("#em-message", has_text="declare_emergency").wait_for(timeout=10_000)
    finally:
        ctx.close()


@pytest.mark.parametrize(
    "path",
    ["/emergency", "/ui/js/emergency.js", "/ui/js/emergency-banner.js", "/ui/css/emergency.css"],
)
def test_emergency_page_and_files_send_a_content_security_policy(site: Site, path: str) -> None:
    r = httpx.get(site.url + path)
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
