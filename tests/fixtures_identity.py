"""A small multi-agency world for identity tests: a migrated database (SQLite or PostgreSQL),
agencies of several kinds, cameras, users of every role, and clients signed in as any of them.

Registered from tests/conftest.py (`pytest_plugins`). The app is served by the real
server (uvicorn on a free port); `client_as(role, agency)` gives an httpx client carrying a real
bearer token obtained through `POST /api/v1/auth/token`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from tests.conftest import free_port
from tests.fixtures_server import LiveServer
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.cli.grants import give_provincial
from vms.config import load_settings
from vms.credentials import store as credentials
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera, CameraTag
from vms.services import Services

PASSWORD = "correct-horse-battery"
CAMERA_PASSWORD = "S3cr3t!"
AGENCIES = {
    "muni": ("PKT-MUNI", "municipality"),
    "police": ("PKT-POL1", "police_station"),
    "police2": ("PKT-POL2", "police_station"),
    "cc": ("PKT-CC", "command_center"),
    "gov": ("PKT-GOV", "governor_office"),
}
CAMERAS = {
    "muni1": ("muni", ["market"]),
    "muni2": ("muni", ["beach"]),
    "police1": ("police", []),
}


@dataclass
class World:
    """The running app and the ids of what was seeded."""

    server: LiveServer
    client: httpx.Client
    agencies: dict[str, int] = field(default_factory=dict)
    cameras: dict[str, int] = field(default_factory=dict)
    _users: dict[tuple[str, str], str] = field(default_factory=dict)
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.server.services

    @property
    def origin(self) -> str:
        return self.server.base_url

    def anonymous(self) -> httpx.Client:
        """A client with no credentials."""
        c = self.server.client()
        self._clients.append(c)
        return c

    def user(self, role: str, agency: str, suffix: str = "") -> str:
        """The user name of a user with `role` in `agency` (created on first use)."""
        key = (role + suffix, agency)
        if key not in self._users:
            name = f"{role}{suffix}.{agency}".replace("_", "-")
            with self.services.db.session() as session:
                spec = UserSpec(name, PASSWORD, self.agencies[agency], Role(role), name)
                create_user(session, spec, None)
            self._users[key] = name
        return self._users[key]

    def token(self, role: str, agency: str, suffix: str = "") -> str:
        name = self.user(role, agency, suffix)
        r = self.client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    def client_as(self, role: str, agency: str, suffix: str = "") -> httpx.Client:
        """A client signed in (bearer token) as a user of `role` in `agency`."""
        c = self.anonymous()
        c.headers["Authorization"] = f"Bearer {self.token(role, agency, suffix)}"
        return c

    def browser_as(self, role: str, agency: str, suffix: str = "") -> httpx.Client:
        """A client signed in through the sign-in page (session cookie, same-origin)."""
        c = self.anonymous()
        r = c.post(
            "/api/v1/auth/login",
            json={"username": self.user(role, agency, suffix), "password": PASSWORD},
            headers={"Origin": self.origin},
        )
        assert r.status_code == 200, r.text
        return c


def seed_registry(services: Services, world: World) -> None:
    with services.db.session() as session:
        for key, (code, kind) in AGENCIES.items():
            agency = Agency(code=code, kind=kind, name_en=f"Agency {code}")
            session.add(agency)
            session.flush()
            world.agencies[key] = agency.id
        for key, (owner, tags) in CAMERAS.items():
            cam = Camera(
                code=f"CAM-{key.upper()}",
                name_en=f"Camera {key}",
                agency_id=world.agencies[owner],
                main_url=f"rtsp://127.0.0.1:8554/{key}",
            )
            credentials.store(session, cam, "admin", CAMERA_PASSWORD)
            cam.tag_rows = [CameraTag(tag=t) for t in tags]
            session.add(cam)
            session.flush()
            world.cameras[key] = cam.id


def build_world(
    db_url: str,
    state: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
    **auth: Any,
) -> Iterator[World]:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    settings = load_settings(
        None,
        database={"url": db_url},
        ingest={"camera_networks": ["127.0.0.0/8"]},
        server={"host": "127.0.0.1", "port": free_port()},
        auth={"cookie_secure": False, **auth},
        state=state or {},
        evidence=evidence or {},
        site={"name": f"t-world-{uuid.uuid4().hex[:8]}"},  # its own Redis keys
    )
    with LiveServer(settings) as server, server.client() as bootstrap:
        world = World(server=server, client=bootstrap)
        seed_registry(server.services, world)
        give_provincial(server.services.db, AGENCIES["cc"][0], by="fixture")
        try:
            yield world
        finally:
            for c in world._clients:
                c.close()


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """The world on SQLite and on PostgreSQL."""
    yield from build_world(db_url)


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    """The world on SQLite only (browser and slow tests)."""
    yield from build_world(sqlite_url)
