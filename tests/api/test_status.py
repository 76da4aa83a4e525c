"""Status and snapshot routes on a real server pulling the camera simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from camsim import SimulatorThread
from tests.fixtures_server import LiveServer, site_settings
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.registry import Agency


def sign_in_admin(server: LiveServer, client: httpx.Client) -> None:
    """Make `client` a system administrator's (the status routes sit behind sign-in)."""
    with server.services.db.session() as session:
        agency = Agency(code="CC-ADMIN", kind="command_center", name_en="Admins")
        session.add(agency)
        session.flush()
        create_user(
            session, UserSpec("ops-admin", "ops-admin-pw", agency.id, Role.SYSTEM_ADMIN), None
        )
    r = client.post(
        "/api/v1/auth/token", data={"username": "ops-admin", "password": "ops-admin-pw"}
    )
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


def wait_for(fn: Any, within_s: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        result = fn()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def site(tmp_path: Path, camsim: SimulatorThread) -> Iterator[tuple[LiveServer, httpx.Client, int]]:
    settings = site_settings(
        tmp_path / "vms.db",
        ingest={"connect_timeout_s": 3, "stall_timeout_s": 2, "backoff_initial_s": 0.2,
                "backoff_max_s": 1},
    )  # fmt: skip
    with LiveServer(settings) as server, server.client() as client:
        sign_in_admin(server, client)
        agency = client.post(
            "/api/v1/agencies", json={"code": "PKT-T", "kind": "municipality", "name_en": "T"}
        ).json()
        camera = client.post(
            "/api/v1/cameras",
            json={
                "code": "CAM-1",
                "agency_id": agency["id"],
                "name_en": "Cam 1",
                "main_url": camsim.url(1, "main"),
                "sub_url": camsim.url(1, "sub"),
                "pull_mode": "always",
            },
        )
        assert camera.status_code == 201, camera.text
        yield server, client, camera.json()["id"]


def online(client: httpx.Client, camera_id: int) -> dict[str, Any] | None:
    r = client.get(f"/api/v1/cameras/{camera_id}/status")
    if r.status_code != 200:
        return None
    body: dict[str, Any] = r.json()
    streams = body["streams"]
    ok = all(streams.get(s, {}).get("state") == "online" for s in ("main", "sub"))
    return body if ok else None


def test_status_snapshot_and_offline(
    site: tuple[LiveServer, httpx.Client, int], camsim: SimulatorThread
) -> None:
    _server, client, camera_id = site

    body = wait_for(lambda: online(client, camera_id), what="both streams online")
    main = body["streams"]["main"]
    assert body["camera_id"] == camera_id
    assert (main["codec"], main["width"], main["height"]) == ("h264", 320, 180)
    assert main["packets"] > 0 and main["reconnects"] == 0 and main["reason"] is None

    r = client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg", params={"width": 160})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 160 and image.shape[0] == 90

    r = client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg", params={"stream": "sub"})
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert r.status_code == 200 and image.shape[:2] == (96, 160)

    assert client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg?width=5").status_code == 422
    assert client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg?stream=x").status_code == 422
    assert client.get("/api/v1/cameras/999999/status").status_code == 404
    assert client.get("/api/v1/cameras/999999/snapshot.jpg").status_code == 404

    camsim.down(1)
    wait_for(
        lambda: (
            client.get(f"/api/v1/cameras/{camera_id}/status").json()["streams"]["main"]["state"]
            == "offline"
        ),
        what="offline",
    )
    r = client.get(f"/api/v1/cameras/{camera_id}/snapshot.jpg")
    assert r.status_code == 503
    assert "offline" in r.json()["detail"]
