"""Signed-in pages in Debian Chromium: a police desk officer's wall shows only their station's
and shared cameras and keeps the duty heartbeat; the coverage panel (webui/coverage.html)
shows a station below two officers, then at two once two officers' walls are open; hostile
names render as text on every page, and every page carries a Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page

from tests.fixtures_server import SESSION_COOKIE, LiveServer, site_settings
from tests.webui.wall_page import open_wall
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.registry import Agency

HOSTILE = '"><img src=x onerror=alert(1)>'
PASSWORD = "coverage-test-password"


@dataclass
class Province:
    """Two police stations, a municipality sharing one camera with the first, and users."""

    server: LiveServer
    stations: dict[str, int]
    cameras: dict[str, int]

    @property
    def url(self) -> str:
        return self.server.base_url

    def cookie(self, username: str) -> str:
        with self.server.client() as c:
            r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return str(c.cookies[SESSION_COOKIE])

    def context(self, browser: Browser, username: str | None) -> BrowserContext:
        context = browser.new_context(viewport={"width": 1400, "height": 800})
        if username is not None:
            value = self.cookie(username)
            context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": self.url}])
        return context


def _ok(r: httpx.Response) -> int:
    assert r.status_code < 300, r.text
    return int(r.json()["id"])


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    settings = site_settings(tmp_path_factory.mktemp("province") / "vms.db")
    with LiveServer(settings) as server, server.client() as admin:
        LiveServer.sign_in(admin)
        ids: dict[str, int] = {}
        for key, kind, name in (
            ("kathu", "police_station", "Kathu Police Station"),
            ("chalong", "police_station", HOSTILE),
            ("muni", "municipality", "Phuket City"),
        ):
            agency = {"code": f"PKT-{key.upper()}", "kind": kind, "name_en": name}
            ids[key] = _ok(admin.post("/api/v1/agencies", json=agency))
        cameras: dict[str, int] = {}
        for key, owner, name in (
            ("gate", "kathu", "Kathu gate"),
            ("pier", "chalong", "Chalong pier"),
            ("hostile", "muni", HOSTILE),
            ("market", "muni", "Market"),
        ):
            body: dict[str, object] = {
                "code": f"CAM-{key.upper()}",
                "agency_id": ids[owner],
                "name_en": name,
                "main_url": f"rtsp://127.0.0.1:9/{key}",
                "pull_mode": "on_demand",
            }
            cameras[key] = _ok(admin.post("/api/v1/cameras", json=body))
        grant = {
            "owner_agency_id": ids["muni"],
            "grantee_agency_id": ids["kathu"],
            "level": "live",
            "camera_id": cameras["hostile"],
        }
        _ok(admin.post("/api/v1/grants", json=grant))
        with server.services.db.session() as session:
            center = session.query(Agency).filter_by(kind="command_center").one()
            for name, role, agency_id in (
                ("desk1", Role.DESK_OFFICER, ids["kathu"]),
                ("desk2", Role.DESK_OFFICER, ids["kathu"]),
                ("sup", Role.SUPERVISOR, center.id),
            ):
                create_user(session, UserSpec(name, PASSWORD, agency_id, role, name), None)
        yield Province(server, ids, cameras)


def _no_markup_ran(page: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    injected = page.evaluate("document.querySelectorAll('img[src=\"x\"], img[onerror]').length")
    assert injected == 0


def _watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def test_desk_officer_signs_in_and_sees_own_and_shared_cameras(
    browser: Browser, province: Province
) -> None:
    context = province.context(browser, None)
    try:
        page = context.new_page()
        dialogs = _watch_dialogs(page)
        page.goto(province.url + "/")
        page.wait_for_selector("#signin-dialog[open]", timeout=30_000)
        page.fill("#signin-username", "desk1")
        page.fill("#signin-password", PASSWORD)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        listed = page.eval_on_selector_all(
            "#camera-list li", "items => items.map(li => Number(li.dataset.cameraId))"
        )
        assert sorted(listed) == sorted([province.cameras["gate"], province.cameras["hostile"]])
        hostile = f'#camera-list li[data-camera-id="{province.cameras["hostile"]}"] .name'
        assert page.text_content(hostile) == HOSTILE
        assert page.is_visible(hostile)
        assert "Kathu Police Station" in page.inner_text("#user-slot")
        assert page.locator("#link-coverage").count() == 0  # desk officers keep watch only
        _no_markup_ran(page, dialogs)
    finally:
        context.close()


def test_coverage_panel_counts_open_walls(browser: Browser, province: Province) -> None:
    panel_ctx = province.context(browser, "sup")
    walls: list[BrowserContext] = []
    try:
        # the supervisor reaches the panel from the wall's header
        panel = panel_ctx.new_page()
        dialogs = _watch_dialogs(panel)
        open_wall(panel, province.url)
        panel.click("#link-coverage")
        panel.wait_for_selector("body[data-ready=true]", timeout=30_000)
        kathu = f'#now-table tr[data-agency-id="{province.stations["kathu"]}"]'
        chalong = f'#now-table tr[data-agency-id="{province.stations["chalong"]}"]'
        assert panel.get_attribute(kathu, "class") == "below"
        assert int(panel.get_attribute(kathu, "data-on-watch") or "0") < 2
        assert panel.inner_text(f"{chalong} td:first-child") == HOSTILE  # text, not markup
        today = f'#today-table tr[data-agency-id="{province.stations["kathu"]}"]'
        panel.wait_for_selector(today)

        for officer in ("desk1", "desk2"):
            ctx = province.context(browser, officer)
            walls.append(ctx)
            open_wall(ctx.new_page(), province.url)
        # the panel refreshes every 5 s; the walls beat at once and every 15 s
        panel.wait_for_selector(f'{kathu}[data-on-watch="2"]', timeout=30_000)
        assert panel.get_attribute(kathu, "class") == "ok"
        assert panel.inner_text(f"{kathu} td.state") == "ok"
        _no_markup_ran(panel, dialogs)
    finally:
        for ctx in walls:
            ctx.close()
        panel_ctx.close()


@pytest.mark.parametrize(
    "path", ["/", "/coverage", "/ui/js/coverage.js", "/ui/js/session.js", "/ui/css/coverage.css"]
)
def test_every_page_and_file_sends_a_content_security_policy(province: Province, path: str) -> None:
    r = httpx.get(province.url + path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
