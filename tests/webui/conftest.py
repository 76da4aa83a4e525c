"""One headless Chromium per test module; a fresh signed-in context (own storage, own WebRTC)
per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures_server import WallSite
from tests.webui.wall_page import launch, signed_in_context


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = launch(p)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, wall_site: WallSite) -> Iterator[Page]:
    """A signed-in wall page in its own browser profile."""
    context = signed_in_context(browser, wall_site)
    wall = context.new_page()
    try:
        yield wall
    finally:
        context.close()
