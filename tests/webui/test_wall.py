"""The video wall in headless Chromium against the real server, relay and simulated cameras:
tiles go live and their pictures move (and open their recordings), full view switches
streams, a dead camera comes back by itself, search, saved layouts, the map, and hostile
camera names rendered as text."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Dialog, Page, Request

from tests.fixtures_server import CameraSpec, WallSite
from tests.webui.wall_page import (
    open_wall,
    picture,
    picture_moves,
    signed_in_context,
    tile_video,
    wait_state,
)

pytestmark = pytest.mark.browser

HOSTILE = '"><img src=x onerror=alert(1)>'
_STREETS = [
    ("หน้าศาลากลาง", "Provincial Hall"),
    ("ถนนถลาง", "Thalang Road"),
    ("ถนนดีบุก", "Dibuk Road"),
    ("ถนนกระบี่", "Krabi Road"),
    ("วงเวียนหอนาฬิกา", "Clock Tower Circle"),
    ("ตลาดสดเทศบาล", "Municipal Market"),
    ("ซอยรมณีย์", "Soi Romanee"),
    ("สะพานหินพาร์ค", "Saphan Hin Park"),
    ("ชื่อแปลก", HOSTILE),
]
WALL_SPECS = [
    CameraSpec(
        name_th=th,
        name_en=en,
        latitude=7.880 + 0.003 * (i // 3),
        longitude=98.387 + 0.004 * (i % 3),
    )
    for i, (th, en) in enumerate(_STREETS)
]


def _ids(site: WallSite) -> list[int]:
    return [int(cam["id"]) for cam in site.cameras]


def _wall_query(ids: list[int], grid: str = "9") -> str:
    return "?" + urlencode({"grid": grid, "cameras": ",".join(str(i) for i in ids)})


def test_nine_tiles_go_live_and_their_pictures_move(page: Page, wall_site: WallSite) -> None:
    ids = _ids(wall_site)
    open_wall(page, wall_site.base_url, _wall_query(ids))
    for camera_id in ids:
        wait_state(page, camera_id, "live")
    for camera_id in ids:
        sample = picture_moves(page, camera_id)
        assert sample["lit"] > 0, f"camera {camera_id}: black picture {sample}"
        assert sample["changed"] > 0, f"camera {camera_id}: frozen picture {sample}"
        assert (sample["width"], sample["height"]) == (320, 180), sample
    # a tile's playback tool opens that camera's recordings with the wall's next three, in sync
    tile = page.locator("#wall .tile").nth(4)
    tile.hover()
    with page.context.expect_page() as opened:
        tile.locator('button[data-i18n-title="tile.playback"]').click()
    asked = parse_qs(urlparse(opened.value.url).query)["camera"][0]
    assert asked == ",".join(str(i) for i in [ids[4], *ids[:3]])
    opened.value.close()


def test_full_view_switches_to_main_stream_and_back(page: Page, wall_site: WallSite) -> None:
    ids = _ids(wall_site)[:4]
    whep: list[dict[str, Any]] = []

    def on_request(req: Request) -> None:
        if req.method == "POST" and "/whep" in req.url:
            url = urlparse(req.url)
            whep.append({"path": url.path, "stream": parse_qs(url.query).get("stream", [""])[0]})

    page.on("request", on_request)
    open_wall(page, wall_site.base_url, _wall_query(ids, grid="4"))
    target = ids[1]
    wait_state(page, target, "live")
    small = picture(page, target)
    assert small["width"] == 320

    before = len(whep)
    page.dblclick(f'#wall .tile:has(video[data-camera-id="{target}"])')
    page.wait_for_function(
        "(sel) => document.querySelector(sel).videoWidth === 640",
        arg=tile_video(target),
        timeout=60_000,
    )
    wait_state(page, target, "live")
    asked = [w for w in whep[before:] if f"/cameras/{target}/" in w["path"]]
    assert [w["stream"] for w in asked][-1:] == ["main"], whep
    big = picture_moves(page, target)
    assert (big["width"], big["height"]) == (640, 360) and big["changed"] > 0, big
    assert page.is_visible("#wall .tile.full")

    before = len(whep)
    page.keyboard.press("Escape")
    page.wait_for_function(
        "(sel) => document.querySelector(sel).videoWidth === 320",
        arg=tile_video(target),
        timeout=60_000,
    )
    wait_state(page, target, "live")
    asked = [w for w in whep[before:] if f"/cameras/{target}/" in w["path"]]
    assert [w["stream"] for w in asked][-1:] == ["sub"], whep
    assert page.locator("#wall .tile.full").count() == 0


def test_dead_camera_goes_offline_and_comes_back_by_itself(page: Page, wall_site: WallSite) -> None:
    camera_id = _ids(wall_site)[2]
    number = wall_site.camera_number(camera_id)
    open_wall(page, wall_site.base_url, _wall_query([camera_id], grid="1"))
    wait_state(page, camera_id, "live")
    wall_site.sim.down(number)
    try:
        wait_state(page, camera_id, "offline", timeout_ms=45_000)
    finally:
        wall_site.sim.up(number)
    wait_state(page, camera_id, "live", timeout_ms=90_000)
    assert picture_moves(page, camera_id)["changed"] > 0


def test_thai_search_filters_the_camera_list(page: Page, wall_site: WallSite) -> None:
    open_wall(page, wall_site.base_url, "?grid=4&cameras=")
    rows = page.locator("#camera-list li")
    rows.first.wait_for()
    assert rows.count() == len(WALL_SPECS)
    page.fill("#search", "ดีบุก")
    page.wait_for_function("() => document.querySelectorAll('#camera-list li').length === 1")
    dibuk = next(c for c in wall_site.cameras if c["name_th"] == "ถนนดีบุก")
    assert rows.first.get_attribute("data-camera-id") == str(dibuk["id"])
    page.fill("#search", "")
    page.wait_for_function(
        f"() => document.querySelectorAll('#camera-list li').length === {len(WALL_SPECS)}"
    )


def test_keyboard_picks_a_tile_and_click_fills_it(page: Page, wall_site: WallSite) -> None:
    open_wall(page, wall_site.base_url, "?grid=4&cameras=")
    page.locator("#camera-list li").first.wait_for()
    page.keyboard.press("3")
    assert page.get_attribute("#wall .tile.selected", "data-index") == "2"
    camera_id = _ids(wall_site)[4]
    page.click(f'#camera-list li[data-camera-id="{camera_id}"]')
    page.wait_for_selector(f'#wall .tile[data-index="2"] video[data-camera-id="{camera_id}"]')
    assert page.get_attribute("#wall .tile.selected", "data-index") == "3"


def test_saved_layout_reloads_in_a_fresh_browser(page: Page, wall_site: WallSite) -> None:
    ids = _ids(wall_site)[:3]
    open_wall(page, wall_site.base_url, _wall_query(ids, grid="1+5"))
    page.keyboard.press("l")
    page.fill("#layout-name", "Old town 1+5")
    page.click("#layout-save")
    page.wait_for_function(
        "() => document.querySelector('#layout-message').textContent !== ''", timeout=30_000
    )
    assert "Old town 1+5" in (page.text_content("#layout-message") or "")
    page.wait_for_selector("#layout-list li:has-text('Old town 1+5')")
    page.click("#layout-close")

    assert page.context.browser is not None
    fresh = signed_in_context(page.context.browser, wall_site)
    try:
        other = fresh.new_page()
        open_wall(other, wall_site.base_url)
        assert other.locator("#wall video[data-camera-id='']").count() == 9
        other.click("#btn-layouts")
        other.click("#layout-list li button.load:has-text('Old town 1+5')")
        for i, camera_id in enumerate(ids):
            other.wait_for_selector(
                f'#wall .tile[data-index="{i}"] video[data-camera-id="{camera_id}"]'
            )
        assert other.input_value("#grid-select") == "1+5"
        assert other.locator("#wall .tile").count() == 6
    finally:
        fresh.close()


def test_map_view_places_every_camera(page: Page, wall_site: WallSite) -> None:
    open_wall(page, wall_site.base_url, "?grid=4&cameras=")
    page.keyboard.press("m")
    markers = page.locator("#map .marker")
    page.wait_for_function(
        f"() => document.querySelectorAll('#map .marker').length === {len(WALL_SPECS)}"
    )
    boxes = [markers.nth(i).bounding_box() for i in range(markers.count())]
    assert all(b is not None and b["width"] > 0 for b in boxes)
    assert len({(round(b["x"]), round(b["y"])) for b in boxes if b}) == len(WALL_SPECS)
    camera_id = _ids(wall_site)[0]
    page.click(f'#map .marker[data-camera-id="{camera_id}"] circle')
    assert page.is_hidden("#map")
    page.wait_for_selector(f'#wall .tile[data-index="0"] video[data-camera-id="{camera_id}"]')


def test_hostile_camera_name_is_shown_as_text(page: Page, wall_site: WallSite) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    hostile = next(c for c in wall_site.cameras if c["name_en"] == HOSTILE)
    open_wall(page, wall_site.base_url, _wall_query([hostile["id"]], grid="1"))
    page.wait_for_selector(f'#camera-list li[data-camera-id="{hostile["id"]}"]')
    assert page.text_content(f'#camera-list li[data-camera-id="{hostile["id"]}"] .name') == HOSTILE
    assert page.text_content('#wall .tile[data-index="0"] .cam-name') == HOSTILE
    page.keyboard.press("m")
    page.wait_for_selector(f'#map .marker[data-camera-id="{hostile["id"]}"]')
    assert page.text_content(f'#map .marker[data-camera-id="{hostile["id"]}"] text') == HOSTILE
    page.wait_for_timeout(500)
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert dialogs == []
