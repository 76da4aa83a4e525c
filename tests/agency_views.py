"""Two police stations on one real server, a camera of the first fed with real H.264, users of
both signed in with real bearer tokens: what the live-view access and audit tests need.

Station A owns camera `camera_id`; its agency administrator shares it with station B, whose
desk officer watches it over WHEP with a plain aiortc client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread, encode_packets
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.config import load_settings
from vms.db.models.registry import Agency, Camera

PASSWORD = "agency-views-password"
CAMERA_ID = 41


@dataclass
class Stations:
    """The running server, the agencies' ids, and who is signed in."""

    server: ServerThread
    publisher: Publisher
    agencies: dict[str, int]
    camera_id: int = CAMERA_ID
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"{self.server.url}/api/v1/cameras/{self.camera_id}/whep"

    def user(self, name: str, role: Role, agency: str) -> dict[str, str]:
        """Bearer headers of user `name` (created on first use) of `role` in `agency`."""
        if name not in self._tokens:
            with self.server.services.db.session() as session:
                spec = UserSpec(name, PASSWORD, self.agencies[agency], role, name)
                create_user(session, spec, None)
            self._tokens[name] = self.sign_in(name)
        return {"Authorization": f"Bearer {self._tokens[name]}"}

    def sign_in(self, name: str) -> str:
        """A fresh bearer token for `name`."""
        r = httpx.post(
            f"{self.server.url}/api/v1/auth/token",
            data={"username": name, "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    def share(self, admin: dict[str, str]) -> int:
        """Station A shares the camera with station B (live); returns the grant id."""
        r = httpx.post(
            f"{self.server.url}/api/v1/grants",
            json={
                "owner_agency_id": self.agencies["a"],
                "grantee_agency_id": self.agencies["b"],
                "level": "live",
                "camera_id": self.camera_id,
            },
            headers=admin,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        grant_id: int = r.json()["id"]
        return grant_id

    def sessions(self) -> int:
        return int(self.server.call(lambda: len(self.server.services.relay)))


async def eventually(check: Callable[[], bool], what: str, timeout: float = 15.0) -> float:
    """Poll `check` until true; returns the seconds it took (generous bound, not a timing)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def stations_packets() -> list[tuple[bytes, bool]]:
    return encode_packets(60)


@pytest.fixture
def stations(sqlite_url: str, stations_packets: list[tuple[bytes, bool]]) -> Iterator[Stations]:
    settings = load_settings(
        None,
        database={"url": sqlite_url},
        relay={"start_wait_s": 2.0, "connect_timeout_s": 5.0},
        ingest={"camera_networks": ["127.0.0.0/8"]},
    )
    with ServerThread(settings) as server:
        server.await_(server.services.camera_sync.stop())  # the publisher plays the camera
        agencies = {}
        with server.services.db.session() as session:
            for key, code in (("a", "PKT-POL-A"), ("b", "PKT-POL-B")):
                agency = Agency(code=code, kind="police_station", name_en=f"Station {key}")
                session.add(agency)
                session.flush()
                agencies[key] = agency.id
            session.add(
                Camera(
                    id=CAMERA_ID,
                    code="POL-A-01",
                    name_en="Station A front",
                    agency_id=agencies["a"],
                    main_url="rtsp://127.0.0.1:9/a/main",
                    sub_url="rtsp://127.0.0.1:9/a/sub",
                )
            )
        pub = Publisher(server, StreamKey(CAMERA_ID, "sub"), stations_packets).start()
        try:
            pub.wait_sent(3)
            yield Stations(server, pub, agencies)
        finally:
            pub.stop()
