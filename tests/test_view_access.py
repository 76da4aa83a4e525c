"""Running live views end when access ends (vms/view_access.py), over the real path: uvicorn,
the relay, a plain aiortc WHEP client, grants and users changed through the API."""

from __future__ import annotations

import httpx
import pytest

from tests.agency_views import Stations, eventually
from tests.relay.whep_client import WhepClient, WhepError
from vms.auth.roles import Role


def _ended(client: WhepClient) -> bool:
    return client.pc.connectionState in ("closed", "failed")


async def _watch(
    stations: Stations, headers: dict[str, str]
) -> tuple[WhepClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(timeout=20, headers=headers)
    client = WhepClient(stations.endpoint, http)
    await client.start()
    await client.frame()
    return client, http


async def test_revoking_the_grant_ends_the_grantees_view_and_later_offers_are_404(
    stations: Stations,
) -> None:
    admin_a = stations.user("admin-a", Role.AGENCY_ADMIN, "a")
    officer_b = stations.user("desk-b", Role.DESK_OFFICER, "b")
    # before the grant, station B cannot see the camera: the same 404 as a missing one
    async with httpx.AsyncClient(timeout=20, headers=officer_b) as http:
        with pytest.raises(WhepError) as before:
            await WhepClient(stations.endpoint, http).start()
        with pytest.raises(WhepError) as missing:
            await WhepClient(stations.endpoint.replace("/41/", "/987654/"), http).start()
    assert before.value.status == missing.value.status == 404
    assert before.value.body.replace("41", "ID") == missing.value.body.replace("987654", "ID")

    grant = stations.share(admin_a)
    owner_view, owner_http = await _watch(stations, admin_a)
    viewer, http = await _watch(stations, officer_b)
    try:
        assert stations.sessions() == 2
        r = httpx.delete(f"{stations.server.url}/api/v1/grants/{grant}", headers=admin_a)
        assert r.status_code == 204, r.text
        # the server ends B's view at once (polled generously; typically well under a second)
        took = await eventually(lambda: stations.sessions() == 1, "the server to end the view")
        await eventually(lambda: _ended(viewer), "the viewer's peer connection to close")
        print(f"view ended {took:.2f} s after the revocation answered")
        relay = stations.server.services.relay
        (left,) = stations.server.call(relay.running)
        assert left.viewer.principal is not None
        assert left.viewer.principal.username == "admin-a"  # the owner's view runs on
        with pytest.raises(WhepError) as after:
            await WhepClient(stations.endpoint, http).start()
        assert after.value.status == 404
        assert after.value.body == before.value.body
        assert stations.server.services.view_access.ended_total == 1
    finally:
        await viewer.stop()
        await owner_view.stop()
        await http.aclose()
        await owner_http.aclose()


async def test_disabled_or_signed_out_viewers_lose_their_views(stations: Stations) -> None:
    admin_a = stations.user("admin-a", Role.AGENCY_ADMIN, "a")
    operator = stations.user("op-a", Role.OPERATOR, "a")
    desk = stations.user("desk-a", Role.DESK_OFFICER, "a")
    op_view, op_http = await _watch(stations, operator)
    desk_view, desk_http = await _watch(stations, desk)
    try:
        assert stations.sessions() == 2
        # the operator is disabled by their administrator
        me = httpx.get(f"{stations.server.url}/api/v1/auth/me", headers=operator).json()
        r = httpx.delete(f"{stations.server.url}/api/v1/users/{me['user_id']}", headers=admin_a)
        assert r.status_code == 204, r.text
        await eventually(lambda: _ended(op_view), "the disabled operator's view to end")
        assert stations.sessions() == 1
        # the desk officer signs out: the token ends, and with it the view
        r = httpx.post(f"{stations.server.url}/api/v1/auth/logout", headers=desk)
        assert r.status_code == 204
        await eventually(lambda: stations.sessions() == 0, "the signed-out view to end")
        await eventually(lambda: _ended(desk_view), "the desk officer's peer connection to close")
    finally:
        for client, http in ((op_view, op_http), (desk_view, desk_http)):
            await client.stop()
            await http.aclose()


async def test_only_the_viewer_may_end_or_patch_a_session(stations: Stations) -> None:
    officer = stations.user("desk-a", Role.DESK_OFFICER, "a")
    other = stations.user("op-a", Role.OPERATOR, "a")
    view, http = await _watch(stations, officer)
    try:
        assert view.location is not None
        missing = view.location.rsplit("/", 1)[0] + "/" + "0" * 32
        frag = "a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"
        trickle = {**other, "Content-Type": "application/trickle-ice-sdpfrag"}
        for target in (view.location, missing):
            r = httpx.delete(target, headers=other)
            assert r.status_code == 404
            assert "no such WHEP session" in r.json()["detail"]
            assert httpx.patch(target, content=frag, headers=trickle).status_code == 404
        assert httpx.delete(view.location).status_code == 401  # and nobody anonymous
        assert stations.sessions() == 1
        assert await view.stop() == 204
    finally:
        await http.aclose()


async def test_unlinking_a_camera_ends_the_national_systems_view(stations: Stations) -> None:
    """The national account watches a central-linked camera; its agency unlinks it (a camera
    edit, no grant involved) and the view ends at once."""
    admin_a = stations.user("admin-a", Role.AGENCY_ADMIN, "a")
    camera = f"{stations.server.url}/api/v1/cameras/{stations.camera_id}"
    r = httpx.patch(camera, json={"central_link": True}, headers=admin_a, timeout=30)
    assert r.status_code == 200, r.text
    viewer, http = await _watch(stations, stations.user("nat", Role.NATIONAL, "b"))
    try:
        r = httpx.patch(camera, json={"central_link": False}, headers=admin_a, timeout=30)
        assert r.status_code == 200, r.text
        await eventually(lambda: stations.sessions() == 0, "the server to end the view")
        await eventually(lambda: _ended(viewer), "the viewer's peer connection to close")
        assert stations.server.services.view_access.ended_total == 1  # ended as access went
    finally:
        await viewer.stop()
        await http.aclose()
