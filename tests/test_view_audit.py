"""Every live view is in the audit trail (vms/view_audit.py): a station B desk officer watches
station A's shared camera over real WHEP; A's administrator reads who watched, and the chain
still verifies."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from tests.agency_views import Stations, eventually
from tests.relay.whep_client import WhepClient
from vms.auth.roles import Role


def _views(stations: Stations, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{stations.server.url}/api/v1/audit",
        params={"camera_id": stations.camera_id},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return [rec for rec in r.json() if rec["action"].startswith("view.")]


async def test_who_watched_which_camera_is_recorded_and_the_chain_verifies(
    stations: Stations,
) -> None:
    admin_a = stations.user("admin-a", Role.AGENCY_ADMIN, "a")
    officer_b = stations.user("desk-b", Role.DESK_OFFICER, "b")
    stations.share(admin_a)
    async with httpx.AsyncClient(timeout=20, headers=officer_b) as http:
        client = WhepClient(stations.endpoint + "?stream=sub", http)
        await client.start()
        await client.frame()
        await eventually(lambda: len(_views(stations, admin_a)) == 1, "the view.start record")
        assert await client.stop() == 204
    await eventually(lambda: len(_views(stations, admin_a)) == 2, "the view.end record")

    end, start = _views(stations, admin_a)  # newest first
    for rec in (start, end):
        assert rec["username"] == "desk-b"
        assert rec["agency_id"] == stations.agencies["b"]
        assert rec["camera_id"] == stations.camera_id
        assert rec["camera_agency_id"] == stations.agencies["a"]  # "who watched our cameras?"
        assert rec["client_addr"] == "127.0.0.1"
        assert rec["detail"]["stream"] == "sub"
    assert start["action"] == "view.start" and end["action"] == "view.end"
    assert start["detail"]["session_id"] == end["detail"]["session_id"]
    assert end["detail"]["reason"] == "viewer ended it (DELETE)"
    assert end["detail"]["duration_s"] > 0
    # the CSV export takes the same filters
    exported = httpx.get(
        f"{stations.server.url}/api/v1/audit/export.csv",
        params={"camera_id": stations.camera_id, "action": "view.end"},
        headers=admin_a,
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["action"], r["username"]) for r in rows] == [("view.end", "desk-b")]

    # station B's own administrator does not read A's camera records; B's officer reads none
    admin_b = stations.user("admin-b", Role.AGENCY_ADMIN, "b")
    acts = httpx.get(
        f"{stations.server.url}/api/v1/audit", params={"action": "view.start"}, headers=admin_b
    ).json()
    assert [r["username"] for r in acts] == ["desk-b"]  # acts of B's own users only
    denied = httpx.get(f"{stations.server.url}/api/v1/audit", headers=officer_b)
    assert denied.status_code == 403

    root = stations.server.auth_headers()  # a system administrator
    result = httpx.get(f"{stations.server.url}/api/v1/audit/verify", headers=root).json()
    assert result["ok"] is True and result["checked"] >= 4
