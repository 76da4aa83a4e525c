"""The whole emergency, on two real `vms serve` processes sharing PostgreSQL and Redis, with the
simulator's camera (RTSP and ONVIF PTZ) and headless Chromium:

the governor's office declares on process A's page, choosing the scope on the map, and the
station's on-demand camera is pulled by both processes before anyone watches it; a police desk
officer's wall, open on process B, shows the banner and the governor's locked push; the governor
opens the station's camera (never shared: 404 before, like a missing camera) and takes its PTZ
from the station's holder; B is killed with SIGKILL and restarted, and the override still holds
there; the emergency is left to expire; every answer of the access matrix is then exactly what
it was before, the wall is back to its own layout, and the station's receipt lists the
governor's view and moves."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext
from sqlalchemy import create_engine

from camsim import SimulatorThread
from tests.emergency.test_kill import Server
from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_server import SESSION_COOKIE
from tests.webui.wall_page import open_wall
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.db.models.walls import Wall

PASSWORD = "lifecycle-password-9"
DURATION_MIN = "1"  # long enough for every step (and a restart) on a busy machine
pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


@dataclass
class Site:
    a: Server
    b: Server
    camera_id: int
    wall_id: int
    police_id: int
    sim: SimulatorThread


def _seed(url: str, sim: SimulatorThread) -> tuple[int, int, int]:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        with db.session() as s:
            gov = Agency(code="PKT-GOV", kind="governor_office", name_en="Governor's Office")
            police = Agency(code="PKT-POL", kind="police_station", name_en="Patong Police")
            s.add_all([gov, police])
            s.flush()
            people = (("gov", Role.GOVERNOR, gov), ("desk", Role.DESK_OFFICER, police),
                      ("padmin", Role.AGENCY_ADMIN, police))  # fmt: skip
            for name, role, agency in people:
                create_user(s, UserSpec(name, PASSWORD, agency.id, role, name), None)
            cam = Camera(code="CAM-PIER", name_en="Patong pier PTZ", agency_id=police.id,
                         main_url=sim.url(1, "main"), sub_url=sim.url(1, "sub"),
                         onvif_url=sim.onvif_url(1), latitude=7.896, longitude=98.296,
                         pull_mode="on_demand")  # fmt: skip
            wall = Wall(name="Patong desk", agency_id=police.id)
            s.add_all([cam, wall])
            s.flush()
            return cam.id, wall.id, police.id
    finally:
        db.dispose()


@pytest.fixture
def site(postgres_url: str, camsim_factory: CamsimFactory) -> Iterator[Site]:
    sim = camsim_factory(cameras=1, onvif=True, ptz_cameras=(1,))
    cam, wall, police = _seed(postgres_url, sim)
    env = {"VMS_INGEST__CAMERA_NETWORKS": '["127.0.0.0/8"]'}
    name = f"t-life-{uuid.uuid4().hex[:8]}"  # this test's own Redis keys
    a, b = Server(postgres_url, name, env), Server(postgres_url, name, env)
    try:
        a.start()
        b.start()
        yield Site(a, b, cam, wall, police, sim)
    finally:
        a.stop()
        b.stop()


def _token(server: Server, user: str) -> dict[str, str]:
    r = httpx.post(
        f"{server.base}/api/v1/auth/token", data={"username": user, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _context(browser: Browser, server: Server, user: str) -> BrowserContext:
    r = httpx.post(f"{server.base}/api/v1/auth/login", headers={"Origin": server.base},
                   json={"username": user, "password": PASSWORD})  # fmt: skip
    assert r.status_code == 200, r.text
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    context.add_cookies([{"name": SESSION_COOKIE, "value": r.cookies[SESSION_COOKIE],
                          "url": server.base}])  # fmt: skip
    return context


def _answer(r: httpx.Response, path: str) -> tuple[int, object]:
    if r.status_code != 200:
        return r.status_code, r.content
    data = r.json()
    if path.endswith("/ptz"):
        return 200, (data["control"], data["priority"])  # who holds it moves by itself
    if path.startswith("/api/v1/cameras/"):
        return 200, data["id"]  # its live health moves by itself
    if path.startswith("/api/v1/walls/"):
        return 200, (data["mode"], data["content"], data["locked"])  # seq counts changes
    if path == "/api/v1/walls":
        return 200, sorted(w["id"] for w in data["items"])
    return 200, r.content


def _matrix(site: Site, tokens: dict[str, dict[str, str]]) -> dict[tuple[str, str], object]:
    """What each user gets from process B for the camera, its PTZ, the wall and the lists."""
    cam = site.camera_id
    paths = [f"/api/v1/cameras/{cam}", f"/api/v1/cameras/{cam}/ptz",
             f"/api/v1/walls/{site.wall_id}", "/api/v1/users", "/api/v1/grants",
             "/api/v1/walls"]  # fmt: skip
    return {
        (who, path): _answer(httpx.get(site.b.base + path, headers=auth, timeout=15), path)
        for who, auth in tokens.items()
        for path in paths
    }


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_declare_command_kill_expire_restore_receipt(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    cam = site.camera_id
    tokens = {u: _token(site.a, u) for u in ("gov", "desk", "padmin")}
    gov, padmin = tokens["gov"], tokens["padmin"]
    ptz = f"/api/v1/cameras/{cam}/ptz"
    r = httpx.post(f"{site.a.base}{ptz}/session", headers=padmin, timeout=15)
    assert r.status_code == 200, r.text  # the station holds its camera before
    before = _matrix(site, tokens)
    unshared = httpx.get(f"{site.b.base}/api/v1/cameras/{cam}", headers=gov)
    missing = httpx.get(f"{site.b.base}/api/v1/cameras/999999", headers=gov)
    assert unshared.status_code == missing.status_code == 404  # the same as a missing camera
    assert unshared.text.replace(str(cam), "N") == missing.text.replace("999999", "N")

    def pulled(server: Server) -> str:
        r = httpx.get(f"{server.base}/api/v1/cameras/{cam}/status", headers=tokens["desk"])
        assert r.status_code == 200, r.text
        return str(r.json()["streams"]["main"]["state"])

    assert pulled(site.b) == "idle"  # on demand, and nobody watches it
    desk_ctx = _context(browser, site.b, "desk")
    gov_ctx = _context(browser, site.a, "gov")
    try:
        wall = desk_ctx.new_page()
        open_wall(wall, site.b.base, f"?wall={site.wall_id}")
        assert wall.locator("#emergency-banner").is_hidden()

        page = gov_ctx.new_page()
        page.goto(site.a.base + "/emergency")
        page.wait_for_selector("#em-agencies input[name=em-agency]")
        page.wait_for_selector("#em-map .marker")
        page.click("#em-map .marker")  # the pier camera: its agency joins the scope
        page.wait_for_selector('#em-map .marker[data-chosen="true"]')
        assert page.is_checked(f'input[name=em-agency][value="{site.police_id}"]')
        assert page.is_checked('input[name="em-scope"][value="chosen"]')
        page.select_option("#em-type", "natural_disaster")
        page.fill("#em-reason", "Tsunami warning for Patong")
        page.fill("#em-duration", DURATION_MIN)
        page.screenshot(path=str(tmp_path / "governor.png"))
        with page.expect_response(
            lambda resp: resp.url.endswith("/api/v1/emergency") and resp.request.method == "POST"
        ) as declared:
            page.click("#em-declare")
        assert declared.value.status == 201, declared.value.text()
        emergency = declared.value.json()
        assert emergency["scope"] == {"agency_ids": [site.police_id], "tags": []}
        # in scope, the on-demand camera is pulled always on every process, before anyone looks
        _until(lambda: pulled(site.b) != "idle" and pulled(site.a) != "idle", 10,
               "the on-demand camera to be pulled always")  # fmt: skip

        layout = {"grid": "1", "tiles": [{"camera_id": str(cam)}]}
        r = httpx.post(f"{site.a.base}/api/v1/walls/{site.wall_id}/push",
                       json={"layout": layout, "locked": True}, headers=gov,
                       timeout=15)  # fmt: skip
        assert r.status_code == 200, r.text
        wall.wait_for_selector('#emergency-banner[data-state="active"]', timeout=3_000)
        wall.wait_for_selector(f'#wall video[data-camera-id="{cam}"]', timeout=3_000)
        assert "Natural disaster" in wall.inner_text("#emergency-banner")
        r = httpx.post(f"{site.b.base}/api/v1/walls/{site.wall_id}/return", headers=tokens["desk"])
        assert r.status_code == 403 and "emergency" in r.json()["detail"]
        wall.screenshot(path=str(tmp_path / "desk-wall.png"))

        # the governor opens the station's camera on B and steers it
        assert httpx.get(f"{site.b.base}/api/v1/cameras/{cam}", headers=gov).status_code == 200
        deadline = time.monotonic() + 20
        while True:
            shot = httpx.get(f"{site.b.base}/api/v1/cameras/{cam}/snapshot.jpg", headers=gov,
                             params={"stream": "sub"}, timeout=10)  # fmt: skip
            if shot.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert shot.status_code == 200 and shot.content[:2] == b"\xff\xd8"
        held = httpx.get(f"{site.b.base}{ptz}", headers=gov, timeout=15).json()["holder"]
        assert held is None  # the station's session ended at the declaration
        moves_before = site.sim.ptz_state(1)["moves"]
        r = httpx.post(f"{site.b.base}{ptz}/move", headers=gov, timeout=15,
                       json={"mode": "relative", "pan": 0.2})  # fmt: skip
        assert r.status_code == 200 and r.json()["holder"]["priority"] == 30000, r.text
        assert site.sim.ptz_state(1)["moves"] > moves_before
        r = httpx.post(f"{site.a.base}{ptz}/move", headers=padmin, timeout=15,
                       json={"mode": "relative", "pan": 0.1})  # fmt: skip
        assert r.status_code == 409  # the station waits: one holder across both processes

        site.b.kill9()
        site.b.start()
        assert httpx.get(f"{site.b.base}/api/v1/cameras/{cam}", headers=gov).status_code == 200
        r = httpx.post(f"{site.b.base}{ptz}/move", headers=gov, timeout=15,
                       json={"mode": "relative", "pan": -0.2})  # fmt: skip
        assert r.status_code == 200, r.text  # still in command after the kill

        ends_at = emergency["ends_at"]
        status = f"{site.b.base}/api/v1/emergency"
        _until(lambda: not httpx.get(status, headers=gov).json()["active"], 120,
               f"the emergency to expire at {ends_at}")  # fmt: skip
        time.sleep(1.0)  # every process's state cache (0.5 s) has turned
        wall.wait_for_selector("#emergency-banner", state="hidden", timeout=5_000)
        after = _matrix(site, tokens)
        assert after == before  # access exactly as before the declaration
    finally:
        desk_ctx.close()
        gov_ctx.close()

    r = httpx.get(f"{site.a.base}/api/v1/emergency/{emergency['id']}/report", headers=gov,
                  params={"agency_id": site.police_id})  # fmt: skip
    assert r.status_code == 200, r.text
    rec = r.json()
    mine = [(x["kind"], x["action"]) for x in rec["lines"]
            if x["username"] == "gov" and x["under_override"]]  # fmt: skip
    assert ("viewed", "view.snapshot") in mine
    assert mine.count(("controlled", "ptz.move")) == 2
    people = {p["username"]: p for p in rec["people"]}
    assert people["gov"]["counts"]["controlled"] >= 2 and people["gov"]["counts"]["viewed"] >= 1
    assert rec["counts"]["viewed"] >= 2  # the desk's wall watched the pushed camera too
