"""Walls steered from the command center, in headless Chromium: a page opened as a registered
wall (/?wall=ID, signed in as the wall agency's operator) changes its tiles within a second of a
push; a locked push cannot be left by the local operator; once unlocked, they return to their
own layout; and the push panel pushes the layout on a supervisor's screen."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.fixtures_server import SESSION_COOKIE, WallSite, default_specs
from tests.webui.wall_page import open_wall, tile_video
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user

pytestmark = pytest.mark.browser

WALL_SPECS = default_specs(3)
PASSWORD = "wall-push-operator-2026"


@pytest.fixture
def admin(wall_site: WallSite) -> Iterator[httpx.Client]:
    with wall_site.server.client() as client:
        wall_site.server.sign_in(client)
        yield client


@pytest.fixture
def wall_id(admin: httpx.Client, wall_site: WallSite) -> int:
    body = {"name": f"Patong desk {uuid.uuid4().hex[:6]}", "agency_id": wall_site.agency["id"]}
    r = admin.post("/api/v1/walls", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
def operator_page(browser: Browser, wall_site: WallSite) -> Iterator[Page]:
    """A wall page signed in as an operator of the wall's own agency."""
    name = f"wall-op-{uuid.uuid4().hex[:6]}"
    with wall_site.server.services.db.session() as session:
        spec = UserSpec(name, PASSWORD, wall_site.agency["id"], Role.OPERATOR, name)
        create_user(session, spec, None)
    with wall_site.server.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookie = str(c.cookies[SESSION_COOKIE])
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": wall_site.base_url}])
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _push(admin: httpx.Client, wall: int, cameras: list[int], **extra: Any) -> dict[str, Any]:
    tiles = [{"camera_id": str(c)} for c in cameras]
    r = admin.post(
        f"/api/v1/walls/{wall}/push", json={"layout": {"grid": "4", "tiles": tiles}, **extra}
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _open_as_wall(page: Page, site: WallSite, wall: int, own_camera: int) -> None:
    open_wall(page, site.base_url, f"?wall={wall}&grid=1&cameras={own_camera}")
    page.wait_for_selector('body[data-wall-mode="local"]', timeout=10_000)
    page.wait_for_selector(tile_video(own_camera), state="attached")


def test_push_changes_the_walls_tiles_within_a_second(
    operator_page: Page, wall_site: WallSite, admin: httpx.Client, wall_id: int
) -> None:
    a, b, c = (int(cam["id"]) for cam in wall_site.cameras)
    _open_as_wall(operator_page, wall_site, wall_id, a)
    sent = time.monotonic()
    seq = _push(admin, wall_id, [b, c])["seq"]
    operator_page.wait_for_selector(f'body[data-wall-seq="{seq}"]', timeout=1000, state="attached")
    operator_page.wait_for_selector(tile_video(c), state="attached", timeout=1000)
    assert time.monotonic() - sent < 1.0
    assert operator_page.locator("#wall .tile").count() == 4
    assert "wall-admin" in operator_page.locator("#push-text").inner_text()
    # the wall acknowledged what it applied (audited as wall.apply)
    deadline = time.monotonic() + 5
    while admin.get(f"/api/v1/walls/{wall_id}").json()["acked_seq"] != seq:
        assert time.monotonic() < deadline, "the wall never acknowledged the push"
        time.sleep(0.1)
    # unlocked: the operator may go back to their own layout
    operator_page.click("#push-return")
    operator_page.wait_for_selector('body[data-wall-mode="local"]', timeout=2000)
    operator_page.wait_for_selector(tile_video(a), state="attached", timeout=2000)
    assert operator_page.locator("#wall .tile").count() == 1


def test_locked_push_cannot_be_left_until_unlocked(
    operator_page: Page, wall_site: WallSite, admin: httpx.Client, wall_id: int
) -> None:
    a, b, c = (int(cam["id"]) for cam in wall_site.cameras)
    _open_as_wall(operator_page, wall_site, wall_id, a)
    seq = _push(admin, wall_id, [b], locked=True)["seq"]
    operator_page.wait_for_selector(f'body[data-wall-seq="{seq}"]', timeout=1000, state="attached")
    assert operator_page.locator("body").get_attribute("data-wall-locked") == "true"
    assert operator_page.locator("#push-return").is_hidden()
    assert operator_page.locator("#grid-select").is_disabled()
    # neither the page's own controls nor a direct request get the operator out
    operator_page.evaluate(f"window.vmsWall.place('{c}')")
    operator_page.keyboard.press("Delete")
    assert operator_page.locator(tile_video(c)).count() == 0
    assert operator_page.locator(tile_video(b)).count() == 1
    status = operator_page.evaluate(
        f"""fetch('/api/v1/walls/{wall_id}/return', {{method: 'POST'}}).then(r => r.status)"""
    )
    assert status == 403
    # the pusher's side lifts the lock; then the operator can go back
    unlocked = admin.post(f"/api/v1/walls/{wall_id}/unlock").json()["seq"]
    operator_page.wait_for_selector(
        f'body[data-wall-seq="{unlocked}"]', timeout=1000, state="attached"
    )
    operator_page.click("#push-return")
    operator_page.wait_for_selector(tile_video(a), state="attached", timeout=2000)
    assert operator_page.locator("body").get_attribute("data-wall-mode") == "local"


def test_push_panel_pushes_the_layout_on_screen(
    page: Page, operator_page: Page, wall_site: WallSite, wall_id: int
) -> None:
    a, b, c = (int(cam["id"]) for cam in wall_site.cameras)
    _open_as_wall(operator_page, wall_site, wall_id, a)
    # the site's administrator (who may push to every wall) arranges a wall and pushes it
    open_wall(page, wall_site.base_url, f"?grid=4&cameras={c},{b}")
    page.wait_for_selector("#btn-push:not([hidden])", timeout=5000)
    page.click("#btn-push")
    page.check(f'#push-walls input[value="{wall_id}"]')
    page.check("#push-locked")
    page.click("#push-send")
    page.wait_for_selector("#push-message:has-text('1')", timeout=5000)
    operator_page.wait_for_selector(tile_video(c), state="attached", timeout=1000)
    assert operator_page.locator("body").get_attribute("data-wall-locked") == "true"
    assert operator_page.locator(tile_video(a)).count() == 0
