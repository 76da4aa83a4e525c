"""The API docs page in a real Chromium with no route to the internet: Swagger UI renders the
operations from this server's own files, and the page's CSP refuses nothing it needs."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.fixtures_server import CameraSpec, WallSite

WALL_SPECS = [CameraSpec("เอกสาร", "Docs", 7.88, 98.39)]


def test_docs_render_offline_under_the_csp(browser: Browser, wall_site: WallSite) -> None:
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: None if r.url.startswith(wall_site.base_url) else foreign.append(r.url),
    )
    try:
        page.goto(f"{wall_site.base_url}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        assert page.locator(".opblock").count() > 30
        assert not foreign, foreign
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()
