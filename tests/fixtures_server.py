"""The REAL server for browser and API tests: uvicorn in a background thread on a free port, a
throwaway SQLite database, the camera simulator, and cameras registered through the API.

Registered from tests/conftest.py (`pytest_plugins`). The browser tests share one site per
module (`wall_site`); `live_server` is a bare server for API tests. bench/wall_open.py uses
`WallSite.open` directly.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine

from camsim.config import SimConfig
from camsim.thread import SimulatorThread
from tests.conftest import free_port
from vms.app import create_app
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.config import Settings, load_settings
from vms.credentials.keys import create_key_file
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency
from vms.services import Services

START_TIMEOUT_S = 60.0
ADMIN_USER = "wall-admin"
ADMIN_PASSWORD = "Wall-test-password-2026"
SESSION_COOKIE = "vms_session"


class LiveServer:
    """`create_app(settings)` served by uvicorn on 127.0.0.1 in a thread with its own loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.server.port
        self.app = create_app(settings)
        self.services: Services = self.app.state.services
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            ws="none",
            proxy_headers=False,  # as `vms serve`: the app decides whom to believe
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="live-server", daemon=True)
        self.error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve())
        except BaseException as exc:  # reported by start()/stop()
            self.error = exc

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if self.error is not None or not self.thread.is_alive():
                raise RuntimeError(f"server did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start in time")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        if self.thread.is_alive():
            raise RuntimeError("server thread did not stop")

    def client(self) -> httpx.Client:
        """An HTTP client on this server (the caller closes it)."""
        return httpx.Client(base_url=self.base_url, timeout=30, headers={"Origin": self.base_url})

    @staticmethod
    def sign_in(client: httpx.Client) -> str:
        """Sign `client` in as the test administrator; returns the session cookie."""
        resp = client.post(
            "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
        )
        _ok(resp)
        return str(client.cookies[SESSION_COOKIE])

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def site_settings(db_file: Path, **overrides: Any) -> Settings:
    """Settings for a throwaway site: SQLite at `db_file`, a free port, schema up to date, a
    system administrator (ADMIN_USER) to sign in as, and a credential key file beside the
    database (used when VMS_CREDENTIAL_KEYS is not set: by the benches, say)."""
    url = f"sqlite:///{db_file}"
    key_file = db_file.with_name("credential.keys")
    if not key_file.exists():
        create_key_file(key_file)
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    db = Database(url)
    try:
        with db.session() as session:
            agency = Agency(code="CCOC", kind="command_center", name_en="Command Center")
            session.add(agency)
            session.flush()
            spec = UserSpec(ADMIN_USER, ADMIN_PASSWORD, agency.id, Role.SYSTEM_ADMIN, "Wall Admin")
            create_user(session, spec, None)
    finally:
        db.dispose()
    return load_settings(
        None,
        database={"url": url},
        ingest={"camera_networks": ["127.0.0.0/8"], **overrides.pop("ingest", {})},  # camsim
        server={"host": "127.0.0.1", "port": free_port()},
        auth={"cookie_secure": False},  # plain http on 127.0.0.1
        credentials={"key_file": str(key_file)},
        recording={
            "directory": str(db_file.parent / "recordings"),
            **overrides.pop("recording", {}),
        },
        **overrides,
    )


@dataclass
class CameraSpec:
    """How a simulated camera is named in the registry."""

    name_th: str
    name_en: str
    latitude: float
    longitude: float
    tags: list[str] = field(default_factory=list)


def default_specs(n: int) -> list[CameraSpec]:
    """`n` cameras spread over Phuket old town, Thai and English names."""
    specs = []
    for i in range(n):
        specs.append(
            CameraSpec(
                name_th=f"กล้องถนนถลาง {i + 1}",
                name_en=f"Thalang Road {i + 1}",
                latitude=7.880 + 0.004 * (i // 4),
                longitude=98.385 + 0.005 * (i % 4),
                tags=["old-town"] if i % 2 == 0 else ["market"],
            )
        )
    return specs


@dataclass
class WallSite:
    """A running server with simulated cameras registered: what the wall needs to be tested."""

    server: LiveServer
    sim: SimulatorThread
    cameras: list[dict[str, Any]]
    agency: dict[str, Any]
    session_cookie: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def camera_number(self, camera_id: int) -> int:
        """The simulator's camera number for a registry camera id."""
        for n, cam in enumerate(self.cameras, start=1):
            if cam["id"] == camera_id:
                return n
        raise KeyError(camera_id)

    @classmethod
    def open(
        cls,
        tmp_dir: Path,
        specs: Sequence[CameraSpec],
        sim_options: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> WallSite:
        """Start the simulator (`sim_options`: more SimConfig fields) and the server
        (`settings`: more Settings overrides), register one agency and `specs` cameras."""
        options = {"cameras": max(1, len(specs)), "fps": 15, "loop_gops": 2} | (sim_options or {})
        sim = SimulatorThread(SimConfig(**options))
        sim.start()
        try:
            server = LiveServer(site_settings(tmp_dir / "vms.db", **(settings or {})))
            server.start()
        except BaseException:
            sim.stop()
            raise
        try:
            with server.client() as client:
                cookie = server.sign_in(client)
                agency = _ok(
                    client.post(
                        "/api/v1/agencies",
                        json={
                            "code": "PKT-MUNI",
                            "kind": "municipality",
                            "name_th": "เทศบาลนครภูเก็ต",
                            "name_en": "Phuket City Municipality",
                        },
                    )
                )
                cameras = [
                    _ok(client.post("/api/v1/cameras", json=_camera_body(sim, n, spec, agency)))
                    for n, spec in enumerate(specs, start=1)
                ]
        except BaseException:
            server.stop()
            sim.stop()
            raise
        return cls(server=server, sim=sim, cameras=cameras, agency=agency, session_cookie=cookie)

    def close(self) -> None:
        try:
            self.server.stop()
        finally:
            self.sim.stop()


def _camera_body(
    sim: SimulatorThread, n: int, spec: CameraSpec, agency: dict[str, Any]
) -> dict[str, Any]:
    return {
        "code": f"PKT-{n:03d}",
        "agency_id": agency["id"],
        "name_th": spec.name_th,
        "name_en": spec.name_en,
        "main_url": sim.url(n, "main"),
        "sub_url": sim.url(n, "sub"),
        "latitude": spec.latitude,
        "longitude": spec.longitude,
        "tags": spec.tags,
        "pull_mode": "always",
    }


def _ok(resp: httpx.Response) -> dict[str, Any]:
    if resp.status_code >= 400:
        raise AssertionError(
            f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}"
        )
    data: dict[str, Any] = resp.json()
    return data


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A bare real server (no cameras), shared by one test module."""
    with LiveServer(site_settings(tmp_path_factory.mktemp("live") / "vms.db")) as server:
        yield server


@pytest.fixture(scope="module")
def wall_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WallSite]:
    """Server + simulator + cameras, shared by one test module. A module may set
    `WALL_SPECS: list[CameraSpec]` to choose its cameras (default: nine) and `WALL_SIM` (a dict
    of SimConfig fields) to give the simulator more (ONVIF, say), `WALL_SETTINGS` (a dict of
    Settings overrides) to configure the server."""
    specs = getattr(request.module, "WALL_SPECS", None) or default_specs(9)
    site = WallSite.open(
        tmp_path_factory.mktemp("wall"),
        specs,
        getattr(request.module, "WALL_SIM", None),
        getattr(request.module, "WALL_SETTINGS", None),
    )
    try:
        yield site
    finally:
        site.close()
