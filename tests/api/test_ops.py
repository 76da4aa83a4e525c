"""/healthz, /readyz and /metrics on a real server pulling the simulator."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from camsim import SimulatorThread
from tests.api.test_status import sign_in_admin
from tests.fixtures_server import LiveServer, site_settings
from vms.app import create_app


def test_healthz_readyz_and_metrics(tmp_path: Path, camsim: SimulatorThread) -> None:
    with LiveServer(site_settings(tmp_path / "vms.db")) as server, server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        sign_in_admin(server, client)
        agency = client.post(
            "/api/v1/agencies", json={"code": "A", "kind": "municipality", "name_en": "A"}
        ).json()
        camera = client.post(
            "/api/v1/cameras",
            json={"code": "C1", "agency_id": agency["id"], "name_en": "C1",
                  "main_url": camsim.url(2), "pull_mode": "always"},
        ).json()  # fmt: skip
        series = f'camera_id="{camera["id"]}",stream="main"'
        deadline = time.monotonic() + 30
        text = ""
        while time.monotonic() < deadline:
            text = client.get("/metrics").text
            if f"vms_ingest_online{{{series}}} 1.0" in text:
                break
            time.sleep(0.2)
        assert f"vms_ingest_online{{{series}}} 1.0" in text
        assert 'vms_camera_streams{state="online"} 1.0' in text
        assert f"vms_ingest_packets_total{{{series}}}" in text
        assert f"vms_ingest_bytes_total{{{series}}}" in text
        assert f"vms_ingest_reconnects_total{{{series}}} 0.0" in text
        assert f"vms_bus_subscribers{{{series}}}" in text
        assert f"vms_bus_subscriber_drops_total{{{series}}}" in text
        assert "password" not in text


async def test_readyz_is_503_before_start(tmp_path: Path) -> None:
    app = create_app(site_settings(tmp_path / "vms.db"))  # lifespan not run: nothing started
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["services"] == "starting"
        assert (await client.get("/healthz")).status_code == 200


def test_two_apps_have_their_own_metrics(tmp_path: Path) -> None:
    a = create_app(site_settings(tmp_path / "a.db"))
    b = create_app(site_settings(tmp_path / "b.db"))
    assert a.state.services.metrics is not b.state.services.metrics


def test_metrics_need_the_scrapers_token_or_a_system_administrator(tmp_path: Path) -> None:
    settings = site_settings(tmp_path / "vms.db")
    settings.auth.metrics_token = "scrape-me-0123456789"
    with LiveServer(settings) as server, server.client() as client:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer scrape-me-wrong"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        scraper = {"Authorization": "Bearer scrape-me-0123456789"}
        r = client.get("/metrics", headers=scraper)
        assert r.status_code == 200 and "vms_camera_streams" in r.text
        assert "vms_signin_pending 0.0" in r.text and "vms_signin_refused_total 0.0" in r.text
        sign_in_admin(server, client)
        agency = client.post(
            "/api/v1/agencies", json={"code": "B", "kind": "municipality", "name_en": "B"}
        ).json()
        client.post(
            "/api/v1/users",
            json={"username": "op.b", "password": "operator-pass-1", "agency_id": agency["id"],
                  "role": "operator"},
        ).raise_for_status()  # fmt: skip
        assert client.get("/metrics").status_code == 200  # the system administrator
        with server.client() as other:
            r = other.post(
                "/api/v1/auth/token", data={"username": "op.b", "password": "operator-pass-1"}
            )
            other.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            assert other.get("/metrics").status_code == 403  # signed in, but not allowed
