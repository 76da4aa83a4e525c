"""Two real `vms serve` processes of one site (PostgreSQL and Redis): a declaration made on one
opens an unshared camera to the governor on the other within a second; the other is killed
with SIGKILL and restarted, and the override still holds there; ending it on the first closes
the camera on the second within a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import create_engine

from tests.conftest import free_port
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


class Server:
    """One `vms serve` child process."""

    def __init__(self, url: str, site: str, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.site = site
        self.extra_env = env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "VMS_DATABASE__URL": self.url,
            "VMS_STATE__BACKEND": "redis",
            "VMS_STATE__REDIS_URL": "redis://127.0.0.1:6379/0",
            "VMS_SITE__NAME": self.site,  # this test's own Redis keys
            "VMS_AUTH__COOKIE_SECURE": "false",
            "VMS_LOGGING__LEVEL": "WARNING",
            **self.extra_env,
        }
        cmd = [sys.executable, "-m", "vms.cli", "serve", "--host", "127.0.0.1",
               "--port", str(self.port)]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _until(lambda: _ready(self.base), 60, "the server to be ready")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _until(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


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
    assert _until(lambda: sees(b) == 200, 1.0, "process B to see the declaration") < 1.0
    b.kill9()
    b.start()
    assert sees(b) == 200  # persisted: the restarted process reads it
    assert httpx.get(b.base + "/api/v1/emergency", headers=auth).json()["state"] == "active"
    assert httpx.delete(a.base + "/api/v1/emergency", headers=auth).status_code == 200
    assert _until(lambda: sees(b) == 404, 1.0, "process B to see the end") < 1.0
