"""A site of real `vms serve` processes for the cluster tests and bench/scaleout.py: its own
redis-server (so it can be restarted), a PostgreSQL schema, the simulator's cameras."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import create_engine

from tests.conftest import free_port
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera

ADMIN = "site-admin"
PASSWORD = "site-test-password-2026"
START_TIMEOUT_S = 60.0


def until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> float:
    """Poll `check` until true; fails naming `what` after `timeout`; returns the time taken."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(every)
    return time.monotonic() - started


class RedisServer:
    """A redis-server of our own on a free port, without persistence: a restart empties it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()
        try:
            until(lambda: _pings(client), 10, "redis-server to start")
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def seed(url: str, camera_urls: Sequence[str]) -> dict[str, Any]:
    """Schema, a command center with a system administrator, a police station owning one
    camera a URL, and a municipality (to share with). Returns the ids."""
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        with db.session() as s:
            cc = Agency(code="CCOC", kind="command_center", name_en="Command Center")
            police = Agency(code="PKT-POL", kind="police_station", name_en="Police")
            muni = Agency(code="PKT-MUNI", kind="municipality", name_en="Municipality")
            s.add_all([cc, police, muni])
            s.flush()
            create_user(s, UserSpec(ADMIN, PASSWORD, cc.id, Role.SYSTEM_ADMIN, "Admin"), None)
            cams = [
                Camera(
                    code=f"CAM-{n:03d}",
                    name_en=f"Camera {n}",
                    agency_id=police.id,
                    main_url=u,
                    pull_mode="always",
                )
                for n, u in enumerate(camera_urls, start=1)
            ]
            s.add_all(cams)
            s.flush()
            return {"police": police.id, "muni": muni.id, "cameras": [c.id for c in cams]}
    finally:
        db.dispose()


class Node:
    """One `vms serve` child process of the site."""

    def __init__(
        self,
        db_url: str,
        redis_url: str,
        site: str,
        logdir: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.db_url = db_url
        self.redis_url = redis_url
        self.site = site
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = f"127.0.0.1:{self.port}"
        self.log = logdir / f"node-{self.port}.log"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "VMS_DATABASE__URL": self.db_url,
            "VMS_STATE__BACKEND": "redis",
            "VMS_STATE__REDIS_URL": self.redis_url,
            "VMS_SITE__NAME": self.site,
            "VMS_AUTH__COOKIE_SECURE": "false",
            "VMS_LOGGING__LEVEL": "WARNING",
            "VMS_INGEST__CAMERA_NETWORKS": '["127.0.0.0/8"]',
            **self.extra_env,
        }

    def start(self, wait: bool = True) -> None:
        cmd = [
            sys.executable,
            "-m",
            "vms.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=log)
        if wait:
            until(self.ready, START_TIMEOUT_S, f"node {self.name} to be ready", every=0.2)

    def ready(self) -> bool:
        assert self.proc is not None
        assert self.proc.poll() is None, f"node {self.name} exited; see {self.log}"
        try:
            return httpx.get(self.base + "/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def site_name() -> str:
    return f"t-site-{uuid.uuid4().hex[:8]}"


def owners(client: redis.Redis, site: str, cameras: Sequence[int]) -> dict[int, str]:
    """camera → node name holding its lease, read from Redis."""
    values = client.mget([f"{site}:lease:{c}" for c in cameras])
    out: dict[int, str] = {}
    for cam, value in zip(cameras, values, strict=True):
        if value is not None:
            out[cam] = value.decode().rpartition("|")[0]
    return out


def token(base: str) -> dict[str, str]:
    """A system administrator's bearer header, signed in at `base`."""
    r = httpx.post(base + "/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
