"""Driving the wall page in headless Debian Chromium: launch options, waits, and the check that
a tile's picture really moves (drawn into a canvas twice and compared)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.fixtures_server import SESSION_COOKIE, WallSite

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LIVE_TIMEOUT_MS = 60_000


def launch(p: Playwright) -> Browser:
    """Debian's Chromium; never a downloaded browser."""
    return p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


def signed_in_context(browser: Browser, site: WallSite) -> BrowserContext:
    """A fresh browser profile holding the site's administrator session cookie."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, accept_downloads=True)
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": site.session_cookie, "url": site.base_url}]
    )
    return context


def open_wall(page: Page, base_url: str, query: str = "") -> None:
    """Load the wall and wait until it has built its tiles and first camera list."""
    page.goto(f"{base_url}/{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)


def tile_video(camera_id: int | str) -> str:
    return f'#wall video[data-camera-id="{camera_id}"]'


def wait_state(
    page: Page, camera_id: int | str, state: str, timeout_ms: int = LIVE_TIMEOUT_MS
) -> None:
    page.wait_for_selector(f'{tile_video(camera_id)}[data-state="{state}"]', timeout=timeout_ms)


_PICTURE_JS = """
async ([selector, gapMs]) => {
  const v = document.querySelector(selector);
  const c = document.createElement("canvas");
  c.width = 160; c.height = 90;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  const grab = () => {
    ctx.drawImage(v, 0, 0, c.width, c.height);
    return ctx.getImageData(0, 0, c.width, c.height).data;
  };
  const a = grab();
  await new Promise((r) => setTimeout(r, gapMs));
  const b = grab();
  let changed = 0, lit = 0;
  for (let i = 0; i < a.length; i += 4) {
    const d = Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
    if (d > 24) changed += 1;
    if (b[i] + b[i + 1] + b[i + 2] > 48) lit += 1;
  }
  return { changed, lit, width: v.videoWidth, height: v.videoHeight };
}
"""


def picture(page: Page, camera_id: int | str, gap_ms: int = 500) -> dict[str, Any]:
    """Pixels that changed between two draws `gap_ms` apart, lit pixels, and the video size."""
    result: dict[str, Any] = page.evaluate(_PICTURE_JS, [tile_video(camera_id), gap_ms])
    return result


def picture_moves(page: Page, camera_id: int | str, tries: int = 6) -> dict[str, Any]:
    """Sample until the picture is seen moving (or `tries` run out); returns the last sample."""
    sample: dict[str, Any] = {}
    for _ in range(tries):
        sample = picture(page, camera_id)
        if sample["changed"] > 0 and sample["lit"] > 0:
            break
    return sample
