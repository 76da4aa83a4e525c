"""Revoking a share in a real browser: the grantee's tile stops showing the camera.

A municipality shares one simulated camera with a police station; the station's desk officer
watches it live on a one-tile wall; the municipality revokes the grant. The server ends the
running view (vms/view_access.py) and the tile goes offline, and stays so: its reconnection
attempts are refused like any camera the officer may not see.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.fixtures_server import SESSION_COOKIE, LiveServer, WallSite, default_specs
from tests.webui.wall_page import picture_moves, tile_video, wait_state
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user

pytestmark = pytest.mark.browser

WALL_SPECS = default_specs(1)
DESK = "kathu.desk"
PASSWORD = "revocation-test-password"
BLANK_WITHIN_MS = 10_000  # a bound that fails the test, not the figure (printed)


@pytest.fixture
def desk_page(browser: Browser, wall_site: WallSite) -> Iterator[tuple[Page, int]]:
    """The desk officer's one-tile wall on the shared camera; yields the page and the grant."""
    with wall_site.server.client() as admin:
        LiveServer.sign_in(admin)
        station = admin.post(
            "/api/v1/agencies",
            json={"code": "PKT-POL-KATHU", "kind": "police_station", "name_en": "Kathu"},
        )
        assert station.status_code == 201, station.text
        camera_id = int(wall_site.cameras[0]["id"])
        grant = admin.post(
            "/api/v1/grants",
            json={
                "owner_agency_id": wall_site.agency["id"],
                "grantee_agency_id": station.json()["id"],
                "level": "live",
                "camera_id": camera_id,
            },
        )
        assert grant.status_code == 201, grant.text
    with wall_site.server.services.db.session() as session:
        spec = UserSpec(DESK, PASSWORD, station.json()["id"], Role.DESK_OFFICER, "Kathu desk")
        create_user(session, spec, None)
    with wall_site.server.client() as desk:
        r = desk.post("/api/v1/auth/login", json={"username": DESK, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookie = str(desk.cookies[SESSION_COOKIE])
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": wall_site.base_url}])
    page = context.new_page()
    try:
        page.goto(f"{wall_site.base_url}/?grid=1&cameras={camera_id}")
        yield page, int(grant.json()["id"])
    finally:
        context.close()


def test_revoked_share_blanks_the_grantees_tile(
    desk_page: tuple[Page, int], wall_site: WallSite
) -> None:
    page, grant_id = desk_page
    camera_id = int(wall_site.cameras[0]["id"])
    wait_state(page, camera_id, "live")
    sample = picture_moves(page, camera_id)
    assert sample["changed"] > 0, sample

    with wall_site.server.client() as admin:
        LiveServer.sign_in(admin)
        started = time.monotonic()
        assert admin.delete(f"/api/v1/grants/{grant_id}").status_code == 204
    wait_state(page, camera_id, "offline", timeout_ms=BLANK_WITHIN_MS)
    print(f"tile offline {(time.monotonic() - started) * 1000:.0f} ms after the revocation")

    page.wait_for_timeout(3000)  # its reconnection attempts are refused
    assert page.get_attribute(tile_video(camera_id), "data-state") == "offline"
    status = page.evaluate(f"fetch('/api/v1/cameras/{camera_id}').then(r => r.status)")
    assert status == 404  # the camera now reads like a missing one to the officer
