"""Camera URLs through the API and the importer: destinations outside the camera networks and
secrets in URLs are refused on save, naming where credentials go; an old row that still holds
a secret is never shown or exported with it. Nothing here connects anywhere but loopback."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from vms.db.models.registry import Camera
from vms.services import Services

HEADER = b"code,name_en,agency,agency_kind,main_url\n"


def _post(client: TestClient, agency_id: int, url: str, **extra: Any) -> Any:
    body = {"code": "C-1", "name_en": "c", "agency_id": agency_id, "main_url": url, **extra}
    return client.post("/api/v1/cameras", json=body)


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/latest",
        "rtsp://100.100.100.200/x",
        "http://2130706433/",
        "http://0x7f.1/",
        "rtsp://[::ffff:127.0.0.1]:8554/x",
        "rtsp://127.0.0.1:8080/x",  # the server's own HTTP port, although loopback is a lab here
        "rtsp://10.1.2.3/x",  # not a declared camera network of this site
    ],
)
def test_destinations_refused_on_create_and_update(
    api_client: TestClient, agency_id: int, url: str
) -> None:
    r = _post(api_client, agency_id, url)
    assert r.status_code == 422, r.text
    assert r.json()["details"][0]["field"] == "main_url"
    ok = _post(api_client, agency_id, "rtsp://127.0.0.1:8554/cam")
    assert ok.status_code == 201, ok.text
    r = api_client.patch(f"/api/v1/cameras/{ok.json()['id']}", json={"sub_url": url})
    assert r.status_code == 422, r.text
    assert api_client.get(f"/api/v1/cameras/{ok.json()['id']}").json()["sub_url"] is None


@pytest.mark.parametrize(
    "url",
    [
        "srt://127.0.0.1:9000?passphrase=Top-Secret-77",
        "rtsp://127.0.0.1:8554/cam?password=Top-Secret-77",
        "http://127.0.0.1:8554/snap.mjpg?user=admin&pwd=Top-Secret-77",
        "rtsp://admin:Top-Secret-77@127.0.0.1:8554/cam",
    ],
)
def test_secret_in_url_refused_saying_where_credentials_go(
    api_client: TestClient, agency_id: int, url: str
) -> None:
    r = _post(api_client, agency_id, url)
    assert r.status_code == 422, r.text
    assert "password field" in r.json()["detail"]
    assert "Top-Secret-77" not in r.text


def test_import_refuses_secrets_and_destinations(api_client: TestClient) -> None:
    rows = (
        b"A-1,a,PKT-X,municipality,rtsp://127.0.0.1:8554/a?password=Top-Secret-77\n"
        b"A-2,b,PKT-X,municipality,rtsp://169.254.169.254/b\n"
    )
    r = api_client.post(
        "/api/v1/cameras/import", files={"file": ("c.csv", HEADER + rows, "text/csv")}
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["applied"] is False and len(report["errors"]) == 2
    assert "Top-Secret-77" not in r.text
    assert api_client.get("/api/v1/cameras").json()["total"] == 0


def test_old_row_with_a_secret_is_shown_and_exported_without_it(
    api_client: TestClient, agency_id: int
) -> None:
    """A URL saved before this policy (written straight to the database here) keeps its
    secret in storage only: the API and both export formats redact it."""
    cam = _post(api_client, agency_id, "rtsp://127.0.0.1:8554/cam").json()
    services: Services = api_client.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as session:
        session.execute(
            update(Camera)
            .where(Camera.id == cam["id"])
            .values(
                main_url="rtsp://admin:Top-Secret-77@127.0.0.1:8554/cam?password=Top-Secret-77",
                sub_url="srt://127.0.0.1:9000?passphrase=Top-Secret-77&latency=200",
            )
        )
        session.commit()
    got = api_client.get(f"/api/v1/cameras/{cam['id']}")
    listed = api_client.get("/api/v1/cameras")
    assert "Top-Secret-77" not in got.text and "Top-Secret-77" not in listed.text
    assert got.json()["main_url"] == "rtsp://127.0.0.1:8554/cam?password=REDACTED"
    for fmt in ("csv", "xlsx"):
        exported = api_client.get("/api/v1/cameras/export", params={"format": fmt})
        assert exported.status_code == 200
        assert b"Top-Secret-77" not in exported.content
