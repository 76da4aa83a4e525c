"""A site of real `vms serve` processes for the cluster tests and bench/scaleout.py: its own
redis-server (so it can be restarted), a PostgreSQL schema, the simulator's cameras."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import create_engine

from tests.conftest import free_port
from tests.serve_process import ServeProcess, until
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera

ADMIN = "site-admin"
PASSWORD = "site-test-password-2026"


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


def seed(url: str, camera_urls: Sequence[str], central_every: int = 0) -> dict[str, Any]:
    """Schema, a command center with a system administrator, a police station owning one
    camera a URL (every `central_every`-th one central-linked, so recorded), and a
    municipality (to share with). Returns the ids."""
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
                    central_link=bool(central_every) and n % central_every == 0,
                )
                for n, u in enumerate(camera_urls, start=1)
            ]
            s.add_all(cams)
            s.flush()
            return {
                "police": police.id,
                "muni": muni.id,
                "cameras": [c.id for c in cams],
                "recorded": [c.id for c in cams if c.central_link],
            }
    finally:
        db.dispose()


class Node(ServeProcess):
    """One `vms serve` child process of the site, its output in `logdir`."""

    def __init__(
        self,
        db_url: str,
        redis_url: str,
        site: str,
        logdir: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = {
            "VMS_DATABASE__URL": db_url,
            "VMS_STATE__BACKEND": "redis",
            "VMS_STATE__REDIS_URL": redis_url,
            "VMS_SITE__NAME": site,
            "VMS_AUTH__COOKIE_SECURE": "false",
            "VMS_INGEST__CAMERA_NETWORKS": '["127.0.0.0/8"]',
            **(extra_env or {}),
        }
        super().__init__(env)
        self.log = logdir / f"node-{self.port}.log"
        self.recordings = Path(env.get("VMS_RECORDING__DIRECTORY", "var/recordings"))


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
