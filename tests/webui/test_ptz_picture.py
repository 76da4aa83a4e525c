"""The PTZ panel moves the picture: in headless Chromium, a camera registered with the
simulator's ONVIF address (the real driver, onvif-zeep-async, talking to the simulator's ONVIF
service), held right-arrow pans the view window, and the picture the browser decodes shifts far
more than it changes on its own in the same time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.fixtures_server import CameraSpec, WallSite
from tests.webui.test_ptz_panel import open_full

pytestmark = pytest.mark.browser

WALL_SPECS = [CameraSpec(name_th="กล้องหมุนหาดป่าตอง", name_en="Patong beach PTZ",
                         latitude=7.89, longitude=98.29)]  # fmt: skip
WALL_SIM = {"onvif": True}

_GRAB_JS = """
([selector, key]) => {
  const v = document.querySelector(selector);
  const c = document.createElement("canvas");
  c.width = 160; c.height = 90;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(v, 0, 0, c.width, c.height);
  window.__ptzGrabs = window.__ptzGrabs || {};
  window.__ptzGrabs[key] = Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  return true;
}
"""
_DIFF_JS = """
([a, b]) => {
  const x = window.__ptzGrabs[a], y = window.__ptzGrabs[b];
  let changed = 0;
  for (let i = 0; i < x.length; i += 4) {
    const d = Math.abs(x[i] - y[i]) + Math.abs(x[i + 1] - y[i + 1]) + Math.abs(x[i + 2] - y[i + 2]);
    if (d > 24) changed += 1;
  }
  return changed;
}
"""


def test_holding_the_arrow_pans_the_picture(
    page: Page, wall_site: WallSite, tmp_path: Path
) -> None:
    camera_id = int(wall_site.cameras[0]["id"])
    with wall_site.server.client() as client:
        wall_site.server.sign_in(client)
        r = client.patch(
            f"/api/v1/cameras/{camera_id}", json={"onvif_url": wall_site.sim.onvif_url(1)}
        )
        assert r.status_code == 200, r.text
    open_full(page, wall_site, camera_id)
    panel = page.locator("#wall .tile.full [data-ptz-panel]")
    panel.wait_for(state="visible", timeout=15_000)
    video = f'#wall .tile.full video[data-camera-id="{camera_id}"]'
    page.wait_for_timeout(1000)  # the main stream's first pictures

    page.evaluate(_GRAB_JS, [video, "idle0"])
    page.wait_for_timeout(1500)
    page.evaluate(_GRAB_JS, [video, "idle1"])
    idle = page.evaluate(_DIFF_JS, ["idle0", "idle1"])

    before = wall_site.sim.ptz_state(1)
    page.locator("#wall .tile.full").focus()
    page.keyboard.down("ArrowRight")
    page.wait_for_timeout(1200)
    page.keyboard.up("ArrowRight")
    deadline = time.monotonic() + 5
    while wall_site.sim.ptz_state(1) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    after = wall_site.sim.ptz_state(1)
    assert after != before, "the simulator's head never moved"
    page.wait_for_timeout(1000)  # the moved view reaches the browser
    page.evaluate(_GRAB_JS, [video, "moved"])
    moved = page.evaluate(_DIFF_JS, ["idle1", "moved"])
    page.screenshot(path=str(tmp_path / "ptz-moved.png"))  # kept with the test's files
    assert moved > max(3 * idle, 500), (idle, moved, before, after)
