"""Two real `vms serve` processes of one site (PostgreSQL and Redis): a declaration made on one
opens an unshared camera to the governor on the other within a second; the other is killed
with SIGKILL and restarted, and the override still holds there; ending it on the first closes
the camera on the second within a second."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine

from tests.serve_process import ServeProcess, until
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera

PASSWORD = "kill-nine-password"
pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _seed(url: str) -> int:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        with db.session() as s:
            gov = Agency(code="PKT-GOV", kind="governor_office", name_en="Governor")
            police = Agency(code="PKT-POL", kind="police_station", name_en="Police")
            s.add_all([gov, police])
            s.flush()
            create_user(s, UserSpec("gov", PASSWORD, gov.id, Role.GOVERNOR, "Governor"), None)
            cam = Camera(code="CAM-K9", name_en="Pier", agency_id=police.id,
                         main_url="rtsp://127.0.0.1:9/k9", pull_mode="on_demand")  # fmt: skip
            s.add(cam)
            s.flush()
            return cam.id
    finally:
        db.dispose()


class Server(ServeProcess):
    """One `vms serve` child process of a two-process site sharing PostgreSQL and Redis."""

    def __init__(self, url: str, site: str, env: dict[str, str] | None = None) -> None:
        super().__init__({
            "VMS_DATABASE__URL": url,
            "VMS_STATE__BACKEND": "redis",
            "VMS_STATE__REDIS_URL": "redis://127.0.0.1:6379/0",
            "VMS_SITE__NAME": site,  # this test's own Redis keys
            "VMS_AUTH__COOKIE_SECURE": "false",
            **(env or {}),
        })  # fmt: skip


@pytest.fixture
def site(postgres_url: str) -> Iterator[tuple[Server, Server, int]]:
    cam = _seed(postgres_url)
    site = f"t-kill-{uuid.uuid4().hex[:8]}"
    a, b = Server(postgres_url, site), Server(postgres_url, site)
    try:
        a.start()
        b.start()
        yield a, b, cam
    finally:
        a.stop()
        b.stop()


def test_override_holds_across_processes_and_a_kill_nine(site: tuple[Server, Server, int]) -> None:
    a, b, cam = site
    tok = httpx.post(a.base + "/api/v1/auth/token", data={"username": "gov", "password": PASSWORD})
    assert tok.status_code == 200, tok.text
    auth = {"Authorization": f"Bearer {tok.json()['access_token']}"}

    def sees(server: Server) -> int:
        return httpx.get(f"{server.base}/api/v1/cameras/{cam}", headers=auth, timeout=5).status_code

    assert sees(a) == 404 and sees(b) == 404
    body = {"type": "terrorism", "reason": "drill", "duration_s": 600, "scope": {"all": True},
            "include_command_center": False}  # fmt: skip
    r = httpx.post(a.base + "/api/v1/emergency", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert until(lambda: sees(b) == 200, 1.0, "process B to see the declaration") < 1.0
    b.kill9()
    b.start()
    assert sees(b) == 200  # persisted: the restarted process reads it
    assert httpx.get(b.base + "/api/v1/emergency", headers=auth).json()["state"] == "active"
    assert httpx.delete(a.base + "/api/v1/emergency", headers=auth).status_code == 200
    assert until(lambda: sees(b) == 404, 1.0, "process B to see the end") < 1.0
