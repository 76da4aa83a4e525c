"""The PTZ panel of the full view in headless Chromium against the real server and simulated
cameras: it appears only for a camera with PTZ, sends continuous moves while an arrow (button
or key) is held and a stop on release, zooms, goes to presets, centres on a click, and shows
the holder, a refusal (409) and a take-over notice. The PTZ head is the in-memory test driver
(tests/ptz/memory_driver.py); the picture-moving test comes with the ONVIF simulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.fixtures_server import SESSION_COOKIE, CameraSpec, WallSite
from tests.ptz.memory_driver import MemoryPtz
from tests.webui.wall_page import open_wall, wait_state
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.ptz.driver import MoveRequest, Preset, PtzDriver, PtzPosition
from vms.ptz.store import MemoryControlStore

pytestmark = pytest.mark.browser

WALL_SPECS = [
    CameraSpec(name_th="กล้องหมุน", name_en="PTZ camera", latitude=7.88, longitude=98.39),
    CameraSpec(name_th="กล้องนิ่ง", name_en="Fixed camera", latitude=7.89, longitude=98.39),
]
PASSWORD = "ptz-panel-password"


@pytest.fixture
def head(wall_site: WallSite) -> Iterator[MemoryPtz]:
    """A fresh in-memory PTZ head on the site's first camera (the second has no PTZ), and no
    control session left from an earlier test."""
    made = MemoryPtz(stored={"gate": Preset("gate", "Market gate", PtzPosition(0.3, 0.1, 0.2))})
    ptz_id = int(wall_site.cameras[0]["id"])

    async def factory(camera_id: int) -> PtzDriver | None:
        return made if camera_id == ptz_id else None

    services = wall_site.server.services
    services.ptz.driver_factory = factory
    services.ptz._drivers.clear()  # a fresh head: nothing cached from the last test
    services.ptz._caps.clear()
    services.ptz.store = MemoryControlStore()  # no session left over from the last test
    yield made


def until(check: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def moves(head: MemoryPtz) -> list[MoveRequest]:
    return [c[1] for c in head.calls if c[0] == "move" and isinstance(c[1], MoveRequest)]


def stops(head: MemoryPtz) -> int:
    return sum(1 for c in head.calls if c[0] == "stop")


def open_full(page: Page, site: WallSite, camera_id: int) -> None:
    ids = [int(c["id"]) for c in site.cameras]
    open_wall(
        page, site.base_url, "?" + urlencode({"grid": "4", "cameras": ",".join(map(str, ids))})
    )
    wait_state(page, camera_id, "live")
    page.dblclick(f'#wall .tile:has(video[data-camera-id="{camera_id}"])')


def person(site: WallSite, role: Role) -> tuple[str, str]:
    """A new user of the site's agency; returns (user name, session cookie)."""
    name = f"{role.value}-{uuid.uuid4().hex[:6]}".replace("_", "-")
    with site.server.services.db.session() as session:
        create_user(session, UserSpec(name, PASSWORD, int(site.agency["id"]), role), None)
    with httpx.Client(base_url=site.base_url) as client:
        r = client.post(
            "/api/v1/auth/login",
            json={"username": name, "password": PASSWORD},
            headers={"Origin": site.base_url},
        )
        assert r.status_code == 200, r.text
        return name, str(client.cookies[SESSION_COOKIE])


def test_panel_steers_with_buttons_keys_clicks_and_presets(
    page: Page, wall_site: WallSite, head: MemoryPtz
) -> None:
    ptz_cam, plain_cam = (int(c["id"]) for c in wall_site.cameras)
    open_full(page, wall_site, plain_cam)
    page.wait_for_selector("#wall .tile.full")
    page.wait_for_timeout(500)
    assert page.locator("[data-ptz-panel]:visible").count() == 0  # no PTZ: no panel
    page.keyboard.press("Escape")

    page.dblclick(f'#wall .tile:has(video[data-camera-id="{ptz_cam}"])')
    panel = page.locator("#wall .tile.full [data-ptz-panel]")
    panel.wait_for(state="visible")
    assert "nobody" in panel.locator(".ptz-holder").inner_text()

    right = panel.locator("button.ptz-right")
    right.hover()
    page.mouse.down()
    until(lambda: any(m.mode == "continuous" and m.pan > 0 for m in moves(head)), "pan right")
    assert stops(head) == 0  # still held
    page.mouse.up()
    until(lambda: stops(head) == 1, "stop on release")
    panel.locator(".ptz-holder[data-user]").wait_for()
    assert "admin" in panel.locator(".ptz-holder").inner_text().lower()

    page.keyboard.down("ArrowUp")
    until(lambda: any(m.mode == "continuous" and m.tilt > 0 for m in moves(head)), "tilt up key")
    page.keyboard.up("ArrowUp")
    until(lambda: stops(head) == 2, "stop on key release")
    page.keyboard.down("+")
    until(lambda: any(m.mode == "continuous" and m.zoom > 0 for m in moves(head)), "zoom key")
    page.keyboard.up("+")
    until(lambda: stops(head) == 3, "stop after zoom")
    assert page.locator("#wall .tile.full").count() == 1  # the arrows did not leave full view

    box = page.locator("#wall .tile.full [data-ptz-aim]").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    until(lambda: any(m.mode == "relative" for m in moves(head)), "click-to-centre")
    step = next(m for m in moves(head) if m.mode == "relative")
    assert step.pan > 0 and step.tilt > 0, step  # right of and above the centre
    assert page.locator("#wall .tile.full").count() == 1

    panel.locator(".ptz-preset-select").select_option("gate")
    panel.locator("button.ptz-preset-go").click()
    until(lambda: ("goto", "gate") in head.calls, "preset goto")


def test_panel_shows_a_refusal_and_a_take_over(
    browser: Browser, page: Page, wall_site: WallSite, head: MemoryPtz
) -> None:
    ptz_cam = int(wall_site.cameras[0]["id"])
    path = f"/api/v1/cameras/{ptz_cam}/ptz"
    # someone else reserves the camera: the system administrator's moves are refused
    keeper, keeper_cookie = person(wall_site, Role.AGENCY_ADMIN)
    with httpx.Client(base_url=wall_site.base_url, cookies={SESSION_COOKIE: keeper_cookie}) as c:
        origin = {"Origin": wall_site.base_url}
        r = c.post(f"{path}/session", json={"reserve": True, "minutes": 5}, headers=origin)
        assert r.status_code == 200, r.text
        open_full(page, wall_site, ptz_cam)
        panel = page.locator("#wall .tile.full [data-ptz-panel]")
        panel.wait_for(state="visible")
        assert keeper in panel.locator(".ptz-holder").inner_text()
        page.keyboard.press("ArrowLeft")
        message = panel.locator(".ptz-message[data-kind=refused]")
        message.wait_for()
        assert "reservation" in message.inner_text() and keeper in message.inner_text()
        assert moves(head) == []
        assert c.delete(f"{path}/session", headers=origin).status_code == 204

    # a desk officer steers in their own browser; the administrator (20000) takes over
    desk, desk_cookie = person(wall_site, Role.DESK_OFFICER)
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    context.add_cookies([{"name": SESSION_COOKIE, "value": desk_cookie, "url": wall_site.base_url}])
    try:
        theirs = context.new_page()
        open_full(theirs, wall_site, ptz_cam)
        their_panel = theirs.locator("#wall .tile.full [data-ptz-panel]")
        their_panel.wait_for(state="visible")
        theirs.keyboard.press("ArrowRight")
        until(lambda: len(moves(head)) == 1, "the desk officer's move")
        their_panel.locator(f'.ptz-holder[data-user="{desk}"]').wait_for()
        page.keyboard.press("ArrowDown")  # the administrator's page, still open
        until(lambda: len(moves(head)) == 2, "the take-over move")
        notice = their_panel.locator(".ptz-message[data-kind=taken-over]")
        notice.wait_for(timeout=10_000)
        assert "taken over by" in notice.inner_text()
        theirs.keyboard.press("ArrowRight")
        their_panel.locator(".ptz-message[data-kind=refused]").wait_for()
        assert len(moves(head)) == 2
    finally:
        context.close()
