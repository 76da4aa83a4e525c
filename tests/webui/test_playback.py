"""The playback page in Debian Chromium against real recorded camsim video: it plays the
newest recording, and a click on the timeline scrubs back - the video's time (the wall clock,
since the windows' decode times count from the Unix epoch) jumps to the clicked moment."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from tests.fixtures_server import WallSite, default_specs
from tests.webui.wall_page import signed_in_context

WALL_SPECS = default_specs(1)
WALL_SETTINGS: dict[str, Any] = {"recording": {"continuous": "all", "segment_s": 5.0}}
RECORDED_S = 30.0
HOUR_S = 3600.0


def test_scrubbing_the_timeline_moves_the_video_time(
    browser: Browser, wall_site: WallSite, tmp_path: Path
) -> None:
    cam = wall_site.cameras[0]["id"]
    time.sleep(RECORDED_S)  # let the recorder write half a minute
    context = signed_in_context(browser, wall_site)
    page = context.new_page()
    try:
        page.goto(f"{wall_site.base_url}/playback?camera={cam}")
        page.wait_for_function(
            "() => document.querySelector('#video').currentTime > 1e9", timeout=20_000
        )
        page.wait_for_selector("#timeline .span")
        playing_at = page.evaluate("() => document.querySelector('#video').currentTime")
        assert abs(playing_at - time.time()) < RECORDED_S  # the newest recording, in wall time
        # click 20 s back from the right edge of the last hour
        box = page.locator("#timeline").bounding_box()
        assert box is not None
        target = time.time() - 20.0
        x = box["width"] * (1.0 - 20.0 / HOUR_S)
        page.mouse.click(box["x"] + x, box["y"] + box["height"] / 2)
        page.wait_for_function(
            "t => Math.abs(document.querySelector('#video').currentTime - t) < 6",
            arg=target,
            timeout=20_000,
        )
        now = page.evaluate("() => document.querySelector('#video').currentTime")
        assert now < playing_at - 5  # it went back
        # the clock under the video names the time sought, in UTC (it repaints every 250 ms)
        page.wait_for_function(
            """t => {
                const text = document.querySelector('#now').textContent;
                const shown = Date.parse(text.replace(' ', 'T') + 'Z') / 1000;
                return Math.abs(shown - t) < 6;
            }""",
            arg=target,
            timeout=10_000,
        )
        page.select_option("#speed", "4")
        assert page.evaluate("() => document.querySelector('#video').playbackRate") == 4
        page.screenshot(path=str(tmp_path / "playback.png"))
        Path("/tmp/h10rec").mkdir(exist_ok=True)
        page.screenshot(path="/tmp/h10rec/playback.png")
    finally:
        context.close()
