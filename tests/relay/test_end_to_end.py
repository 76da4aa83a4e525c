"""A standard WHEP client watches cameras through the real server.

The first test feeds the bus with a publisher (the relay alone); the others take the whole path:
simulator → registry (cameras created through the API) → camera sync → ingest → bus → WHEP →
a plain aiortc client that decodes pictures and reads the simulator's frame code in them.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from camsim import SimulatorThread
from camsim.framecode import read_index
from ingest.health import StreamState
from ingest.packet import StreamKey
from tests.fixtures_camsim import CamsimFactory
from tests.fixtures_server import SESSION_COOKIE, LiveServer, site_settings
from tests.relay.harness import Publisher, ServerThread
from tests.relay.whep_client import WhepClient, WhepError, first_frame_ms


async def test_client_receives_decoded_frames(
    server: ServerThread, h264_packets: list[tuple[bytes, bool]]
) -> None:
    pub = Publisher(server, StreamKey(1, "sub"), h264_packets).start()
    try:
        pub.wait_sent(20)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            client = WhepClient(f"{server.url}/api/v1/cameras/1/whep?stream=sub", http)
            ms = await first_frame_ms(client)
            print(f"time to first frame: {ms:.1f} ms")
            frames = [await client.frame() for _ in range(20)]
            assert all(f.width == 320 and f.height == 180 for f in frames)
            assert await client.stop() == 204
    finally:
        pub.stop()


def hide_addresses_behind_mdns(sdp: str) -> str:
    """What Chromium does: each host candidate's address becomes a random `<uuid>.local` name
    (here one nobody answers for), and gathering ends with end-of-candidates."""
    lines = [
        re.sub(r"^(a=candidate:\S+ \d+ \S+ \d+ )(\S+)", rf"\g<1>{uuid.uuid4()}.local", line)
        for line in sdp.splitlines()
    ]
    assert any(".local " in line for line in lines), "the offer had no host candidate"
    return "\r\n".join(lines) + "\r\na=end-of-candidates\r\n"


async def test_offer_with_mdns_candidates_connects_without_resolving_them(
    server: ServerThread, h264_packets: list[tuple[bytes, bool]]
) -> None:
    """The server drops names it cannot resolve (resolving would hold the answer 1 s each) and
    learns the viewer's address from the viewer's own connectivity checks."""
    pub = Publisher(server, StreamKey(1, "sub"), h264_packets).start()
    try:
        pub.wait_sent(2)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            client = WhepClient(
                f"{server.url}/api/v1/cameras/1/whep?stream=sub",
                http,
                rewrite_offer=hide_addresses_behind_mdns,
            )
            await client.start()
            frame = await client.frame()
            assert (frame.width, frame.height) == (320, 180)
            assert await client.stop() == 204
    finally:
        pub.stop()


@dataclass
class Site:
    """A server pulling simulated cameras: camera ids by pull mode, a signed-in HTTP client."""

    server: LiveServer
    sim: SimulatorThread
    always: int  # registry id of simulator camera 1, pulled all the time
    on_demand: int  # registry id of simulator camera 2, pulled while watched
    http: httpx.AsyncClient

    def endpoint(self, camera_id: int, stream: str = "sub") -> str:
        return f"{self.server.base_url}/api/v1/cameras/{camera_id}/whep?stream={stream}"


async def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


@pytest.fixture
def live_site(tmp_path: Path, camsim_factory: CamsimFactory) -> Iterator[tuple[LiveServer, Any]]:
    sim = camsim_factory(cameras=2)
    settings = site_settings(
        tmp_path / "vms.db",
        # a cold RTSP pull on a busy 2-core CI machine can take seconds to its first keyframe
        relay={"start_wait_s": 10.0, "connect_timeout_s": 5.0},
        ingest={"on_demand_idle_s": 1.0, "stall_timeout_s": 2.0, "backoff_max_s": 1.0},
    )
    with LiveServer(settings) as server, server.client() as client:
        LiveServer.sign_in(client)
        agency = client.post(
            "/api/v1/agencies",
            json={"code": "PKT-PATONG", "kind": "municipality", "name_en": "Patong"},
        ).json()
        ids = []
        for n, mode in ((1, "always"), (2, "on_demand")):
            body = {
                "code": f"PKT-{n:03d}",
                "agency_id": agency["id"],
                "name_en": f"Beach road {n}",
                "main_url": sim.url(n, "main"),
                "sub_url": sim.url(n, "sub"),
                "pull_mode": mode,
            }
            r = client.post("/api/v1/cameras", json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        yield server, (sim, ids, client.cookies[SESSION_COOKIE])


@pytest.fixture
async def site(live_site: tuple[LiveServer, Any]) -> AsyncIterator[Site]:
    server, (sim, ids, cookie) = live_site
    headers = {"Origin": server.base_url}
    async with httpx.AsyncClient(
        timeout=30, headers=headers, cookies={SESSION_COOKIE: cookie}
    ) as http:
        yield Site(server, sim, ids[0], ids[1], http)


async def watch(site: Site, camera_id: int, frames: int = 10) -> tuple[WhepClient, list[int]]:
    """Start a viewer and read the simulator's frame index from `frames` decoded pictures."""
    client = WhepClient(site.endpoint(camera_id), site.http)
    await client.start()
    indices = []
    for _ in range(frames):
        frame = await client.frame(15)
        assert (frame.width, frame.height) == site.sim.frame_size(1, "sub")
        index = read_index(frame.to_ndarray(format="rgb24"))
        assert index is not None, "the simulator's frame code did not survive the relay"
        indices.append(index)
    return client, indices


async def test_simulated_camera_through_registry_and_ingest_to_viewer(site: Site) -> None:
    key = StreamKey(site.always, "sub")
    health = site.server.services.health
    await eventually(lambda: getattr(health.get(key), "state", None) == StreamState.ONLINE, "pull")
    client, indices = await watch(site, site.always, 20)
    # pictures move on: the viewer sees the camera's live frames, not one repeated picture
    assert len(set(indices)) >= 10
    assert await client.stop() == 204
    relay = site.server.services.relay
    await eventually(lambda: len(relay) == 0, "session closed")


async def test_camera_down_stalls_the_viewer_then_new_offers_get_503_with_a_reason(
    site: Site,
) -> None:
    key = StreamKey(site.always, "sub")
    health = site.server.services.health
    await eventually(lambda: getattr(health.get(key), "state", None) == StreamState.ONLINE, "pull")
    client, _ = await watch(site, site.always, 3)
    site.sim.down(1)
    await eventually(
        lambda: (
            getattr(health.get(key), "state", None) in (StreamState.OFFLINE, StreamState.STALLED)
        ),
        "ingest to notice the camera is down",
    )
    # the open session stalls cleanly: no picture, no error, still DELETE-able
    with pytest.raises(TimeoutError):
        while True:
            await client.frame(1.5)
    with pytest.raises(WhepError) as refused:
        await WhepClient(site.endpoint(site.always), site.http).start()
    assert refused.value.status == 503
    assert int(refused.value.headers["retry-after"]) > 0
    reason = refused.value.body
    assert "not available" in reason and "no picture" not in reason, reason
    assert await client.stop() == 204
    site.sim.up(1)
    await eventually(lambda: getattr(health.get(key), "state", None) == StreamState.ONLINE, "back")
    again, _ = await watch(site, site.always, 3)
    assert await again.stop() == 204


async def test_on_demand_camera_starts_with_its_first_viewer_and_stops_when_idle(
    site: Site,
) -> None:
    key = StreamKey(site.on_demand, "sub")
    ingest = site.server.services.ingest
    await eventually(lambda: any(s.key == key for s in ingest.specs()), "the camera sync")
    assert not ingest.is_running(key)
    first, _ = await watch(site, site.on_demand, 3)
    second, _ = await watch(site, site.on_demand, 3)
    assert ingest.is_running(key)
    assert await first.stop() == 204
    await asyncio.sleep(1.5)  # past on_demand_idle_s: the other viewer keeps it pulled
    assert ingest.is_running(key)
    await second.frame(5)
    assert await second.stop() == 204
    await eventually(lambda: not ingest.is_running(key), "the idle stop", timeout=15)


async def test_unknown_and_retired_cameras_are_404(site: Site) -> None:
    with pytest.raises(WhepError) as unknown:
        await WhepClient(site.endpoint(9999), site.http).start()
    assert unknown.value.status == 404
    r = await site.http.delete(f"{site.server.base_url}/api/v1/cameras/{site.on_demand}")
    assert r.status_code in (200, 204), r.text
    with pytest.raises(WhepError) as retired:
        await WhepClient(site.endpoint(site.on_demand), site.http).start()
    assert retired.value.status == 404 and "retired" in retired.value.body
