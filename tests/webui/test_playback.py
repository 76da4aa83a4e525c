"""The playback page in Debian Chromium against real recorded camsim video, two cameras in
sync: it plays the newest recording of both, marks an event trigger on its camera's timeline,
a click on a timeline scrubs both back (the
videos' time is the wall clock: the windows' decode times count from the Unix epoch), the
second camera is held to the first, and paused, the frame buttons step to exactly the next
recorded frame (as ffprobe lists them) with a different picture each step."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from tests.fixtures_server import WallSite, default_specs
from tests.webui.wall_page import signed_in_context

WALL_SPECS = default_specs(2)
WALL_SETTINGS: dict[str, Any] = {"recording": {"continuous": "all", "segment_s": 5.0}}
RECORDED_S = 30.0
HOUR_S = 3600.0

TIMES = "() => [...document.querySelectorAll('#videos video')].map(v => v.currentTime)"
# the first video's picture, once the seek is done and a frame is there: a sum of its pixels
PICTURE = """async () => {
    const v = document.querySelector('#videos video');
    while (v.seeking || v.readyState < 2) await new Promise(r => setTimeout(r, 20));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const c = document.createElement('canvas');
    c.width = 160; c.height = 90;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i] * 3 + d[i + 1] * 5 + d[i + 2] * 7;
    return sum;
}"""


def _times(page: Page) -> list[float]:
    times: list[float] = page.evaluate(TIMES)
    return times


def _recorded_frames(
    page: Page, site: WallSite, camera: int, around: float, tmp_path: Path
) -> list[float]:
    """The presentation times of the recorded frames near `around`, as ffprobe reads them from
    the playback API's own window (not as the page's parser does)."""
    start = datetime.fromtimestamp(around - 3, UTC).isoformat()
    r = page.request.get(
        f"{site.base_url}/api/v1/cameras/{camera}/recordings/play",
        params={"stream": "main", "start": start, "duration_s": "8", "format": "fmp4"},
    )
    assert r.status == 200, r.text()
    window = tmp_path / "window.mp4"
    window.write_bytes(r.body())
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0",
         "-show_entries", "packet=pts_time", "-of", "csv=p=0", str(window)],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return sorted(float(x) for x in out.stdout.split())


def _index(frames: list[float], t: float) -> int:
    """Which recorded frame the video time `t` is (within a millisecond)."""
    near = min(range(len(frames)), key=lambda i: abs(frames[i] - t))
    assert abs(frames[near] - t) < 0.001, (t, frames[near])
    return near


def _in_sync(page: Page, target: float | None = None, within: float = 6.0) -> None:
    """Both videos near each other (and near `target`, if given)."""
    page.wait_for_function(
        """([t, within]) => {
            const [a, b] = [...document.querySelectorAll('#videos video')].map(v => v.currentTime);
            return a > 1e9 && b > 1e9 && Math.abs(a - b) < 0.3
                && (t === null || Math.abs(a - t) < within);
        }""",
        arg=[target, within],
        timeout=20_000,
    )


def test_two_cameras_scrub_and_step_in_sync(
    browser: Browser, wall_site: WallSite, tmp_path: Path
) -> None:
    cams = [c["id"] for c in wall_site.cameras]
    time.sleep(RECORDED_S / 2)  # let the recorder write half a minute, an event in the middle
    with wall_site.server.client() as client:
        wall_site.server.sign_in(client)
        r = client.post(f"/api/v1/cameras/{cams[1]}/recordings/trigger",
                        json={"post_roll_s": 5, "reason": "door alarm"})  # fmt: skip
        assert r.status_code == 202, r.text
    time.sleep(RECORDED_S / 2)
    context = signed_in_context(browser, wall_site)
    page = context.new_page()
    try:
        page.goto(f"{wall_site.base_url}/playback?camera={cams[0]},{cams[1]}")
        assert page.locator("#videos video").count() == 2
        _in_sync(page)
        page.wait_for_selector(f'.timeline[data-camera="{cams[1]}"] .span')
        # the event is marked on its camera's timeline only, the reason on hover
        marks = page.locator(f'.timeline[data-camera="{cams[1]}"] .event')
        assert marks.count() == 1 and marks.first.get_attribute("title") == "door alarm"
        assert page.locator(f'.timeline[data-camera="{cams[0]}"] .event').count() == 0
        playing_at = _times(page)[0]
        assert abs(playing_at - time.time()) < RECORDED_S  # the newest recording, in wall time
        # click 20 s back from the right edge of the second camera's last hour: both go there
        box = page.locator(f'.timeline[data-camera="{cams[1]}"]').bounding_box()
        assert box is not None
        target = time.time() - 20.0
        x = box["width"] * (1.0 - 20.0 / HOUR_S)
        page.mouse.click(box["x"] + x, box["y"] + box["height"] / 2)
        _in_sync(page, target)
        assert _times(page)[0] < playing_at - 5  # it went back
        # the clock under the videos names the time sought, in UTC (it repaints every 250 ms)
        page.wait_for_function(
            """t => {
                const text = document.querySelector('#now').textContent;
                const shown = Date.parse(text.replace(' ', 'T') + 'Z') / 1000;
                return Math.abs(shown - t) < 6;
            }""",
            arg=target,
            timeout=10_000,
        )
        # paused, one frame at a time: the first step lands on the next frame, then each step
        # is exactly one frame of the recording and shows another picture
        page.click("#play")
        page.wait_for_function("() => [...document.querySelectorAll('#videos video')]"
                               ".every(v => v.paused)")  # fmt: skip
        page.click("#forward")
        at = [_times(page)[0]]
        pictures = [page.evaluate(PICTURE)]
        for _ in range(3):
            page.click("#forward")
            at.append(_times(page)[0])
            pictures.append(page.evaluate(PICTURE))
        frames = _recorded_frames(page, wall_site, cams[0], at[0], tmp_path)
        shown = [_index(frames, t) for t in at]
        assert shown == list(range(shown[0], shown[0] + 4)), (at, frames)  # frame after frame
        assert len(set(pictures)) == len(pictures), pictures  # each step a new picture
        page.keyboard.press(",")  # one back, from the keyboard
        assert _index(frames, _times(page)[0]) == shown[2]
        assert page.evaluate(PICTURE) == pictures[2]  # the same frame as two steps ago
        page.wait_for_function(  # the follower shows its frame of that moment, paused
            """() => {
                const [a, b] = document.querySelectorAll('#videos video');
                return b.paused && b.currentTime <= a.currentTime + 1e-4
                    && a.currentTime - b.currentTime < 1 / 15;
            }"""
        )
        page.select_option("#speed", "4")
        rates = page.evaluate("() => [...document.querySelectorAll('#videos video')]"
                              ".map(v => v.playbackRate)")  # fmt: skip
        assert rates == [4, 4]
        page.screenshot(path=str(tmp_path / "playback.png"))
    finally:
        context.close()


def test_more_than_four_cameras_is_refused_in_words(browser: Browser, wall_site: WallSite) -> None:
    context = signed_in_context(browser, wall_site)
    page = context.new_page()
    try:
        page.goto(f"{wall_site.base_url}/playback?camera=1,2,3,4,5")
        page.wait_for_function(
            "() => document.querySelector('#message').textContent.includes('at most 4')"
        )
        assert page.locator("#videos video").count() == 0
    finally:
        context.close()
