"""Cameras by ONVIF address: `POST /api/v1/cameras/onvif` fills the stream URLs from the
camera (the simulator's ONVIF service), `onvif_url` is shown and settable, refusals name the
problem, and the PTZ driver factory builds drivers from the stored record."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

import ingest.url_policy as url_policy_module
from camsim import SimulatorThread
from ingest.url_policy import parse_networks
from tests.conftest import free_port
from tests.fixtures_camsim import CamsimFactory
from vms.ptz.driver import CameraUnreachable, MoveRequest
from vms.ptz.onvif_driver import OnvifPtzDriver
from vms.ptz.onvif_factory import onvif_factory
from vms.registry.url_policy import url_policy
from vms.services import Services

USER, PASSWORD = "onvif-admin", "Very-Secret-9"


@pytest.fixture
def sim(camsim_factory: CamsimFactory) -> SimulatorThread:
    started = camsim_factory(cameras=2, onvif=True, ptz_cameras=(1,), clock_skew_s=600.0)
    started.require_auth(USER, PASSWORD)
    return started


def _body(agency_id: int, url: str, **extra: Any) -> dict[str, Any]:
    body = {"code": "PTZ-1", "agency_id": agency_id, "name_en": "Beach PTZ", "onvif_url": url}
    return body | {"username": USER, "password": PASSWORD} | extra


def test_register_by_onvif_fills_streams(
    api_client: TestClient, agency_id: int, sim: SimulatorThread
) -> None:
    url = sim.onvif_url(1).removesuffix("/onvif/device_service")  # the path is filled in
    r = api_client.post("/api/v1/cameras/onvif", json=_body(agency_id, url))
    assert r.status_code == 201, r.text
    cam = r.json()
    assert cam["main_url"] == sim.url(1, "main") and cam["sub_url"] == sim.url(1, "sub")
    assert cam["onvif_url"] == sim.onvif_url(1)
    assert cam["model"] == "vms-camsim PTZ sim" and cam["has_credentials"]
    assert PASSWORD not in r.text
    got = api_client.get(f"/api/v1/cameras/{cam['id']}").json()
    assert got["onvif_url"] == sim.onvif_url(1)
    # the PTZ the camera offered (GetNodes), all of it on this simulated head
    assert got["ptz"] == {"operations": ["continuous", "relative", "absolute", "presets", "home"]}
    r = api_client.post(
        "/api/v1/cameras/onvif", json=_body(agency_id, sim.onvif_url(2), code="F-2")
    )
    assert r.status_code == 201 and r.json()["ptz"] == {"operations": []}  # no PTZ head
    r = api_client.patch(f"/api/v1/cameras/{cam['id']}", json={"onvif_url": sim.onvif_url(2)})
    assert r.status_code == 200 and r.json()["ptz"] is None  # another device: not known yet
    r = api_client.patch(
        f"/api/v1/cameras/{cam['id']}", json={"onvif_url": "http://169.254.169.254/"}
    )
    assert r.status_code == 422 and "169.254.169.254" in r.json()["detail"]  # never saved
    assert "/api/v1/cameras/onvif" in api_client.get("/api/v1/openapi.json").json()["paths"]


def test_onvif_refusals_name_the_problem(
    api_client: TestClient, agency_id: int, sim: SimulatorThread
) -> None:
    wrong = _body(agency_id, sim.onvif_url(1), password="not-it-123")
    r = api_client.post("/api/v1/cameras/onvif", json=wrong)
    assert r.status_code == 424 and r.json()["error"] == "camera_auth_failed", r.text
    assert "not-it-123" not in r.text and PASSWORD not in r.text
    dead = f"http://127.0.0.1:{free_port()}/onvif/device_service"
    r = api_client.post("/api/v1/cameras/onvif", json=_body(agency_id, dead))
    assert r.status_code == 424 and r.json()["error"] == "camera_unreachable", r.text
    for bad, word in (
        ("ftp://127.0.0.1/onvif/device_service", "scheme"),
        (f"http://{USER}:{PASSWORD}@127.0.0.1/onvif/device_service", "credentials"),
        ("http://127.0.0.1/cgi-bin/other", "path"),
        ("http:///onvif/device_service", "host"),
        # outside the camera networks (the metadata address): refused before any connection
        ("http://169.254.169.254/onvif/device_service", "169.254.169.254"),
        ("http://2130706433/onvif/device_service", "onvif_url"),
    ):
        r = api_client.post("/api/v1/cameras/onvif", json=_body(agency_id, bad))
        assert r.status_code == 422, (bad, r.text)
        assert "onvif_url" in r.text and word in r.text and PASSWORD not in r.text
    assert api_client.get("/api/v1/cameras").json()["total"] == 0


async def test_onvif_url_settable_and_the_factory_drives_it(
    api_client: TestClient, agency_id: int, sim: SimulatorThread
) -> None:
    body = {"code": "FIX-1", "agency_id": agency_id, "name_en": "Plain", "main_url": sim.url(2)}
    plain = api_client.post("/api/v1/cameras", json=body).json()
    body = {"code": "PTZ-2", "agency_id": agency_id, "name_en": "PTZ", "main_url": sim.url(1)}
    ptz_cam = api_client.post(
        "/api/v1/cameras", json=body | {"username": USER, "password": PASSWORD}
    )
    ptz_id = ptz_cam.json()["id"]
    r = api_client.patch(f"/api/v1/cameras/{ptz_id}", json={"onvif_url": "gopher://x"})
    assert r.status_code == 422 and "onvif_url" in r.text
    r = api_client.patch(f"/api/v1/cameras/{ptz_id}", json={"onvif_url": sim.onvif_url(1)})
    assert r.status_code == 200 and r.json()["onvif_url"] == sim.onvif_url(1), r.text
    services: Services = api_client.app.state.services  # type: ignore[attr-defined]
    factory = onvif_factory(services.db, url_policy(services.settings), timeout_s=3.0)
    assert await factory(plain["id"]) is None
    assert await factory(99_999) is None
    driver = await factory(ptz_id)
    assert isinstance(driver, OnvifPtzDriver) and PASSWORD not in repr(driver)
    try:
        await driver.move(MoveRequest("absolute", pan=0.25, tilt=0.0, zoom=0.5))
        assert sim.ptz_state(1)["pan"] == pytest.approx(0.25)
    finally:
        await driver.close()


def test_ptz_routes_steer_an_onvif_camera(
    api_client: TestClient, agency_id: int, camsim_factory: CamsimFactory
) -> None:
    """The default driver factory: the PTZ API moves the simulated head over ONVIF; what the
    camera lacks is 422 naming the operation; a camera refusing credentials is 424."""
    sim = camsim_factory(cameras=2, onvif=True, limited_ptz=(2,))
    ids = []
    for n in (1, 2):
        body = _body(agency_id, sim.onvif_url(n), code=f"PTZ-{n}")
        r = api_client.post("/api/v1/cameras/onvif", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = api_client.get(f"/api/v1/cameras/{ids[0]}/ptz")
    assert r.status_code == 200, r.text
    assert r.json()["capabilities"]["relative"] is True
    move = {"mode": "absolute", "pan": -0.75, "tilt": 0.5, "zoom": 0.25}
    r = api_client.post(f"/api/v1/cameras/{ids[0]}/ptz/move", json=move)
    assert r.status_code == 200, r.text
    state = sim.ptz_state(1)
    assert (state["pan"], state["tilt"], state["zoom"]) == pytest.approx((-0.75, 0.5, 0.25))
    r = api_client.post(f"/api/v1/cameras/{ids[1]}/ptz/move", json={"mode": "relative", "pan": 0.1})
    assert r.status_code == 422 and "relative" in r.json()["detail"], r.text
    sim.require_auth(USER, "changed-on-the-camera", camera=1)
    api_client.post(f"/api/v1/cameras/{ids[0]}/ptz/stop")  # the cached session may still pass
    r = api_client.patch(f"/api/v1/cameras/{ids[0]}", json={"name_en": "reopened"})
    assert r.status_code == 200
    r = api_client.post(f"/api/v1/cameras/{ids[0]}/ptz/stop")
    assert r.status_code == 424 and "camera_auth_failed" in r.text, r.text
    assert "changed-on-the-camera" not in r.text and PASSWORD not in r.text


def test_onvif_url_through_import_and_export(api_client: TestClient, agency_id: int) -> None:
    code = api_client.get(f"/api/v1/agencies/{agency_id}").json()["code"]
    good = (
        "code,name_en,agency,main_url,onvif\r\n"
        f"ONV-1,Dome,{code},rtsp://127.0.0.1:9/1,http://10.1.0.1:8080\r\n"
    ).encode()
    files = {"file": ("cams.csv", good, "text/csv")}
    report = api_client.post("/api/v1/cameras/import", files=files).json()
    assert report["errors"] == [], report
    cam = api_client.get("/api/v1/cameras", params={"q": "ONV-1"}).json()["items"][0]
    assert cam["onvif_url"] == "http://10.1.0.1:8080/onvif/device_service"
    exported = api_client.get("/api/v1/cameras/export", params={"format": "csv"}).text
    assert "onvif_url" in exported.splitlines()[0]
    assert "http://10.1.0.1:8080/onvif/device_service" in exported
    bad = (
        "code,name_en,agency,main_url,onvif_url\r\n"
        f"ONV-2,Dome,{code},rtsp://127.0.0.1:9/2,http://u:{PASSWORD}@10.1.0.2/\r\n"
    ).encode()
    files = {"file": ("cams.csv", bad, "text/csv")}
    report = api_client.post("/api/v1/cameras/import", files=files).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "onvif_url")], report
    assert PASSWORD not in str(report)


def test_onvif_address_checked_again_at_connect_time(
    api_client: TestClient, agency_id: int, sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolved to a camera network when saved may lead elsewhere later (DNS
    changed): the PTZ driver is not opened then, and the route says why (424)."""
    port = sim.onvif_url(1).split(":")[2].split("/")[0]
    by_name = f"http://localhost:{port}/onvif/device_service"
    r = api_client.post("/api/v1/cameras/onvif", json=_body(agency_id, by_name))
    assert r.status_code == 201, r.text
    camera_id = r.json()["id"]
    real_resolve = url_policy_module.resolve

    def moved(host: str, port: int | None) -> list[Any]:
        if host == "localhost":
            return [ipaddress.ip_address("169.254.169.254")]  # now the metadata address
        return real_resolve(host, port)

    monkeypatch.setattr(url_policy_module, "resolve", moved)
    r = api_client.get(f"/api/v1/cameras/{camera_id}/ptz")
    assert r.status_code == 424, r.text
    assert "ONVIF address is refused now" in r.json()["detail"] and "link-local" in r.text
    monkeypatch.setattr(url_policy_module, "resolve", real_resolve)
    r = api_client.get(f"/api/v1/cameras/{camera_id}/ptz")
    assert r.status_code == 200, r.text  # back on a camera network: it connects


async def test_factory_refuses_an_address_outside_the_networks_now(
    api_client: TestClient, agency_id: int, sim: SimulatorThread
) -> None:
    r = api_client.post("/api/v1/cameras/onvif", json=_body(agency_id, sim.onvif_url(1)))
    assert r.status_code == 201, r.text
    services: Services = api_client.app.state.services  # type: ignore[attr-defined]
    narrowed = replace(url_policy(services.settings), networks=parse_networks(["10.0.0.0/8"]))
    with pytest.raises(CameraUnreachable, match="outside this site's camera networks"):
        await onvif_factory(services.db, narrowed)(r.json()["id"])
