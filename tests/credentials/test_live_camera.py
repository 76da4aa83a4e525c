"""End to end: a simulated camera that demands digest auth plays through a real server whose
database holds its credentials only sealed; a wrong password does not."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from camsim.config import Credentials
from tests.api.test_status import online, sign_in_admin, wait_for
from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_server import LiveServer, site_settings

PASSWORD = "Cam-S3cr3t-2026"


def test_camera_with_auth_plays_with_sealed_credentials(
    tmp_path: Path, camsim_factory: CamsimFactory
) -> None:
    sim = camsim_factory(cameras=2, auth=Credentials("admin", PASSWORD))
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
        ids = []
        for n, password in ((1, PASSWORD), (2, "not-the-password")):
            r = client.post(
                "/api/v1/cameras",
                json={"code": f"CAM-{n}", "agency_id": agency["id"], "name_en": f"Cam {n}",
                      "main_url": sim.url(n, "main"), "sub_url": sim.url(n, "sub"),
                      "pull_mode": "always", "username": "admin", "password": password},
            )  # fmt: skip
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        wait_for(lambda: online(client, ids[0]), what="the camera with auth online")
        wait_for(
            lambda: (
                "credentials"
                in str(
                    client.get(f"/api/v1/cameras/{ids[1]}/status").json()["streams"]["main"][
                        "reason"
                    ]
                )
            ),
            what="the wrong password refused by the camera",
        )
        with server.services.db.engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM camera_credentials")).all()
        assert len(rows) == 2
        assert not any(PASSWORD in str(v) or "admin" == str(v) for row in rows for v in row)
