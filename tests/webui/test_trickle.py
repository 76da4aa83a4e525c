"""The wall's WHEP client posts its offer before ICE gathering ends and trickles candidates
with real addresses by PATCH (mDNS names are never sent: the server ignores them).

Chromium hides host addresses behind mDNS names by default, so the module runs it with that
feature off: the candidates then carry addresses and must go out as trickle PATCHes, and the
tile must still go live.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Request, sync_playwright

from tests.fixtures_server import WallSite, default_specs
from tests.webui.wall_page import (
    CHROMIUM_ARGS,
    picture_moves,
    signed_in_context,
    wait_state,
)

pytestmark = pytest.mark.browser

WALL_SPECS = default_specs(1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_ARGS, "--disable-features=WebRtcHideLocalIpsWithMdns"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_candidates_with_addresses_are_trickled_and_the_tile_goes_live(
    browser: Browser, wall_site: WallSite
) -> None:
    context = signed_in_context(browser, wall_site)
    try:
        page = context.new_page()
        sent: list[tuple[str, str, str]] = []

        def on_request(request: Request) -> None:
            if "/whep" in request.url and request.method in ("POST", "PATCH"):
                sent.append((request.method, request.url, request.post_data or ""))

        page.on("request", on_request)
        patch_status: list[int] = []
        page.on(
            "response",
            lambda r: patch_status.append(r.status) if r.request.method == "PATCH" else None,
        )
        camera_id = int(wall_site.cameras[0]["id"])
        page.goto(f"{wall_site.base_url}/?grid=1&cameras={camera_id}")
        wait_state(page, camera_id, "live")
        assert picture_moves(page, camera_id)["changed"] > 0
        page.wait_for_timeout(500)  # candidates gathered after the answer go out too
    finally:
        context.close()
    posts = [body for method, _, body in sent if method == "POST"]
    patches = [body for method, _, body in sent if method == "PATCH"]
    assert len(posts) == 1
    assert patches, "no candidate was trickled"
    assert patch_status and set(patch_status) == {204}, patch_status
    candidates = [line for body in patches for line in body.splitlines() if "candidate:" in line]
    assert candidates and not any(".local" in line for line in candidates), candidates
    assert all("a=ice-ufrag:" in body and "a=mid:" in body for body in patches)
