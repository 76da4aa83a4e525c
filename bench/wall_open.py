"""Live view: a 16-tile wall in headless Chromium, from page open to all 16 tiles live.

Runs the real server, the camera simulator (16 cameras) and Debian's Chromium; each run opens
the wall in a fresh browser profile (`/?grid=16&cameras=...`) and times navigation start to the
moment every tile's <video> reports data-state="live" (frames rendered, per the wall's contract).
Prints p50 and worst over the runs. Target: p50 <= 1.5 s.

    python -m bench.wall_open --runs 7
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures_server import WallSite, default_specs
from tests.webui.wall_page import launch, signed_in_context

# per tile (page clock, ms): when it connected, posted its offer, got the answer, got the track,
# went live; how many attempts it needed and why the last one failed
TILES_JS = """
() => window.vmsWall.tiles.map((t) => {
  const s = (t.session && t.session.timings) || {};
  return {
    connect: t.timings && t.timings.connect, offered: s.offered, posted: s.posted,
    answered: s.answered, track: t.timings && t.timings.track,
    live: t.timings && t.timings.live, retried: t.retried || 0, reason: t.lastReason || "",
  };
})
"""

ALL_LIVE_JS = """
(n) => {
  const live = document.querySelectorAll('#wall video[data-state="live"]').length;
  return live === n ? performance.now() : false;
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="page opens to time (default 7)")
    parser.add_argument("--tiles", type=int, default=16, choices=[1, 4, 9, 16, 25])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        site = WallSite.open(Path(tmp), default_specs(args.tiles))
        try:
            ids = ",".join(str(c["id"]) for c in site.cameras)
            url = f"{site.base_url}/?grid={args.tiles}&cameras={ids}"
            time.sleep(3)  # let ingest bring every camera online and fill its GOP cache
            wall_s: list[float] = []
            page_s: list[float] = []
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    for run in range(args.runs):
                        context = signed_in_context(browser, site)
                        page = context.new_page()
                        start = time.perf_counter()
                        page.goto(url)
                        handle = page.wait_for_function(
                            ALL_LIVE_JS, arg=args.tiles, polling="raf", timeout=60_000
                        )
                        wall_s.append(time.perf_counter() - start)
                        page_s.append(float(handle.json_value()) / 1000)
                        print(
                            f"run {run + 1}: all {args.tiles} live after {wall_s[-1] * 1000:.0f} ms"
                            f" (page clock {page_s[-1] * 1000:.0f} ms); {_breakdown(page)}"
                        )
                        context.close()
                        time.sleep(1)  # sessions of the closed page are torn down
                finally:
                    browser.close()
        finally:
            site.close()

    print(
        f"{args.tiles}-tile wall open to all live over {args.runs} runs: "
        f"p50 {statistics.median(wall_s) * 1000:.0f} ms, worst {max(wall_s) * 1000:.0f} ms "
        f"(page clock p50 {statistics.median(page_s) * 1000:.0f} ms); "
        f"{platform.processor() or platform.machine()}, {platform.python_version()}"
    )
    return 0


def _breakdown(page: Page) -> str:
    """Where the time went, on the page clock: offers posted and answered, tracks, the last
    tile live, and any tile that needed another attempt."""
    tiles = page.evaluate(TILES_JS)

    def span(key: str) -> str:
        values = [t[key] for t in tiles if t.get(key) is not None]
        return f"{min(values):.0f}-{max(values):.0f}" if values else "-"

    retried = [f"tile {i + 1}: {t['reason']}" for i, t in enumerate(tiles) if t["retried"]]
    text = (
        f"connect {span('connect')}, offer made {span('offered')}, "
        f"posted {span('posted')}, answered {span('answered')}, track {span('track')}, "
        f"live {span('live')} ms"
    )
    return text + (f"; retried {retried}" if retried else "")


if __name__ == "__main__":
    sys.exit(main())
