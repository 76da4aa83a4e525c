"""Live views under the override, over real WHEP: the governor's office watches a camera of
an agency that never shared it; the view's audit records are marked with the declaration;
ending the emergency ends the view at once (the same re-decision a revoked grant gets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.agency_views import Stations, eventually
from tests.relay.whep_client import WhepClient
from vms.auth.roles import Role


def _views(stations: Stations) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{stations.server.url}/api/v1/audit",
        params={"camera_id": stations.camera_id},
        headers=stations.server.auth_headers(),
    )
    assert r.status_code == 200, r.text
    return [rec for rec in r.json() if rec["action"].startswith("view.")]


async def test_view_under_override_is_marked_and_ends_with_it(stations: Stations) -> None:
    gov = stations.user("gov-b", Role.GOVERNOR, "b")  # agency b: nothing is shared with it
    url = f"{stations.server.url}/api/v1/emergency"
    async with httpx.AsyncClient(timeout=20, headers=gov) as http:
        camera = f"{stations.server.url}/api/v1/cameras/{stations.camera_id}"
        assert (await http.get(camera)).status_code == 404  # the same as a missing camera
        body = {
            "type": "terrorism",
            "reason": "drill",
            "duration_s": 600,
            "scope": {"all": True},
            "include_command_center": False,
        }
        r = await http.post(url, json=body)
        assert r.status_code == 201, r.text
        emergency_id = r.json()["id"]
        client = WhepClient(stations.endpoint + "?stream=sub", http)
        try:
            await client.start()
            await client.frame()
            await eventually(lambda: len(_views(stations)) == 1, "the view.start record")
            assert (await http.delete(url)).status_code == 200
            await eventually(
                lambda: stations.sessions() == 0, "the view ended with the emergency", 5
            )
            await eventually(lambda: len(_views(stations)) == 2, "the view.end record")
        finally:
            await client.stop()  # the client's own peer connection and its sockets
    end, start = _views(stations)
    assert start["username"] == "gov-b" and start["detail"]["emergency_id"] == emergency_id
    assert end["detail"]["emergency_id"] == emergency_id
    assert end["detail"]["reason"] == "access revoked"


async def test_view_under_override_ends_when_it_expires(stations: Stations) -> None:
    gov = stations.user("gov-b", Role.GOVERNOR, "b")
    body = {
        "type": "natural_disaster",
        "reason": "flood",
        "duration_s": 3,
        "scope": {"agency_ids": [stations.agencies["a"]], "tags": []},
        "include_command_center": False,
    }
    async with httpx.AsyncClient(timeout=20, headers=gov) as http:
        r = await http.post(f"{stations.server.url}/api/v1/emergency", json=body)
        assert r.status_code == 201, r.text
        ends_at = datetime.fromisoformat(r.json()["ends_at"])
        client = WhepClient(stations.endpoint + "?stream=sub", http)
        try:
            await client.start()
            await client.frame()
            await eventually(lambda: stations.sessions() == 0, "the view ended at expiry", 10)
        finally:
            await client.stop()
        # by time, not by the 30 s periodic re-check: within a second of ends_at
        late = (datetime.now(UTC) - ends_at).total_seconds()
        assert -0.1 < late < 1.0, late
        camera = f"{stations.server.url}/api/v1/cameras/{stations.camera_id}"
        assert (await http.get(camera)).status_code == 404
