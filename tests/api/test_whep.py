"""The WHEP endpoint (vms/api/routes/whep.py) over real sockets: contract and refusals."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread, encode_packets
from tests.relay.offers import only_codec, viewer_offer, without
from tests.relay.whep_client import WhepClient, WhepError
from vms.config import load_settings

SDP = {"Content-Type": "application/sdp"}


@pytest.fixture(scope="module")
def packets() -> list[tuple[bytes, bool]]:
    return encode_packets(60)


@pytest.fixture
def relay_settings() -> dict[str, Any]:
    return {"start_wait_s": 1.0, "connect_timeout_s": 3.0}


@pytest.fixture
def server(sqlite_url: str, relay_settings: dict[str, Any]) -> Iterator[ServerThread]:
    settings = load_settings(
        None,
        database={"url": sqlite_url},
        relay=relay_settings,
        ingest={"camera_networks": ["127.0.0.0/8"]},
        server={"trusted_origins": ["http://wall.example"]},
    )
    with ServerThread(settings) as srv:
        yield srv


@pytest.fixture
def camera(server: ServerThread, packets: list[tuple[bytes, bool]]) -> Iterator[Publisher]:
    pub = Publisher(server, StreamKey(7, "sub"), packets).start()
    pub.wait_sent(3)
    yield pub
    pub.stop()


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as client:
        yield client


@pytest.fixture
async def offer() -> str:
    return await viewer_offer()


def endpoint(server: ServerThread, camera_id: int = 7, stream: str = "sub") -> str:
    return f"{server.url}/api/v1/cameras/{camera_id}/whep?stream={stream}"


async def test_post_answers_201_with_location_etag_and_host_candidates_only(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    r = await http.post(endpoint(server), content=offer, headers=SDP)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/sdp")
    assert re.fullmatch(r"/api/v1/whep/sessions/[0-9a-f]{32}", r.headers["location"])
    assert r.headers["etag"]
    answer = r.text
    assert "a=setup:" in answer and "a=fingerprint:" in answer
    # the answer names H.264 (constrained baseline) only, as the camera sends it
    assert re.search(r"a=rtpmap:\d+ H264/90000", answer)
    assert "VP8" not in answer
    assert "profile-level-id=42e01f" in answer
    candidates = [line for line in answer.splitlines() if line.startswith("a=candidate:")]
    assert candidates
    assert {line.split()[4] for line in candidates} == {"127.0.0.1"}
    assert {line.split()[7] for line in candidates} == {"host"}
    location = server.url + r.headers["location"]
    assert (await http.delete(location)).status_code == 204
    assert (await http.delete(location)).status_code == 404
    assert server.call(lambda: len(server.services.relay)) == 0


async def test_options_and_cors_for_trusted_origin(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    r = await http.options(endpoint(server), headers={"Origin": "http://wall.example"})
    assert r.status_code == 204
    assert r.headers["accept-post"] == "application/sdp"
    assert "POST" in r.headers["allow"]
    assert r.headers["access-control-allow-origin"] == "http://wall.example"
    assert "Location" in r.headers["access-control-expose-headers"]
    r = await http.options(endpoint(server), headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


async def test_patch_trickle_candidates_and_refusals(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    r = await http.post(endpoint(server), content=offer, headers=SDP)
    assert r.status_code == 201
    location, etag = server.url + r.headers["location"], r.headers["etag"]
    frag = "a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"
    trickle = {"Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag}
    assert (await http.patch(location, content=frag, headers=trickle)).status_code == 204
    assert (await http.patch(location, content=frag, headers=SDP)).status_code == 415
    wrong = {**trickle, "If-Match": '"nope"'}
    assert (await http.patch(location, content=frag, headers=wrong)).status_code == 412
    restart = "a=ice-ufrag:other\r\na=ice-pwd:otherotherotherotherot\r\n"
    r = await http.patch(location, content=restart, headers=trickle)
    assert r.status_code == 422 and "ICE restart" in r.json()["detail"]
    bad = "a=mid:0\r\na=candidate:garbage\r\n"
    assert (await http.patch(location, content=bad, headers=trickle)).status_code == 422
    assert (await http.get(location)).status_code == 405
    await http.delete(location)
    gone = await http.patch(location, content=frag, headers=trickle)
    assert gone.status_code == 404


async def test_refused_trickle_patch_applies_none_of_its_candidates(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    """64 good candidates and one bad line: 422, and none of the 64 counts or is applied, so
    the session can still take its full 64 afterwards."""
    r = await http.post(endpoint(server), content=offer, headers=SDP)
    assert r.status_code == 201
    location = server.url + r.headers["location"]
    trickle = {"Content-Type": "application/trickle-ice-sdpfrag", "If-Match": r.headers["etag"]}
    good = "a=mid:0\r\n" + "".join(
        f"a=candidate:{i} 1 udp 2130706431 127.0.0.1 {41000 + i} typ host\r\n" for i in range(64)
    )
    for tail in ("a=candidate:garbage\r\n", "a=ice-ufrag:other\r\n"):
        r = await http.patch(location, content=good + tail, headers=trickle)
        assert r.status_code == 422, r.text
    r = await http.patch(location, content=good, headers=trickle)
    assert r.status_code == 204, r.text
    await http.delete(location)


async def test_errors_a_person_can_act_on(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    r = await http.post(endpoint(server, camera_id=999), content=offer, headers=SDP)
    assert r.status_code == 404 and "999" in r.json()["detail"]
    r = await http.post(endpoint(server), content=only_codec(offer, "VP8"), headers=SDP)
    assert r.status_code == 422
    assert r.json()["detail"] == "offer has no H.264 video; this server sends H.264"
    r = await http.post(endpoint(server), content=offer, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = await http.post(endpoint(server, stream="side"), content=offer, headers=SDP)
    assert r.status_code == 422
    r = await http.post(endpoint(server), content=b"", headers=SDP)
    assert r.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda s: s[: len(s) // 2], id="truncated"),
        pytest.param(lambda s: without(s, "a=fingerprint"), id="no-fingerprint"),
        pytest.param(
            lambda s: re.sub(r"(m=video \d+ UDP/TLS/RTP/SAVPF)", r"\1 4000000000", s),
            id="huge-payload-type",
        ),
        pytest.param(lambda s: s + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n" * 2000, id="2000-m-lines"),
        pytest.param(lambda s: s + "a=" + "x" * (1 << 20) + "\r\n", id="1MB"),
        pytest.param(lambda s: s.replace("a=setup:actpass", "a=setup:bogus"), id="bad-setup"),
        pytest.param(lambda s: s.replace("a=ice-pwd:", "a=ice-pwd"), id="bad-ice-pwd"),
    ],
)
async def test_hostile_offers_get_a_fast_4xx_and_the_server_stays_up(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str, body: Any
) -> None:
    started = time.monotonic()
    r = await http.post(endpoint(server), content=body(offer).encode(), headers=SDP)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]
    assert time.monotonic() - started < 10  # bounded, not a timing claim
    assert (await http.post(endpoint(server), content=offer, headers=SDP)).status_code == 201
    assert server.call(lambda: len(server.services.relay)) == 1


async def test_offline_camera_is_503_with_retry_after(
    server: ServerThread, http: httpx.AsyncClient, offer: str
) -> None:
    server.register(8)  # in the registry, but no picture comes
    r = await http.post(endpoint(server, camera_id=8), content=offer, headers=SDP)
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) > 0
    assert "not available" in r.json()["detail"]
    assert "no picture" in r.json()["detail"]
    assert server.call(lambda: len(server.services.relay)) == 0


@pytest.mark.parametrize("relay_settings", [{"max_sessions_per_address": 2}])
async def test_per_address_cap_is_429(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    for _ in range(2):
        assert (await http.post(endpoint(server), content=offer, headers=SDP)).status_code == 201
    r = await http.post(endpoint(server), content=offer, headers=SDP)
    assert r.status_code == 429 and "retry-after" in r.headers


@pytest.mark.parametrize("relay_settings", [{"max_sessions": 1}])
async def test_over_capacity_is_503(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient
) -> None:
    first = WhepClient(endpoint(server), http)
    await first.start()
    second = WhepClient(endpoint(server), http)
    with pytest.raises(WhepError) as err:
        await second.start()
    assert err.value.status == 503 and "limit" in err.value.body
    assert await first.stop() == 204


@pytest.mark.parametrize(
    "relay_settings",
    [
        {
            "start_wait_s": 1.0,
            "ice_servers": [
                {"urls": ["stun:stun.example.net:3478"]},
                {"urls": ["turn:turn.example.net"], "username": "u", "credential": "s3cret"},
            ],
        }
    ],
)
async def test_201_names_stun_servers_trickle_and_answers_actpass_as_dtls_server(
    server: ServerThread, camera: Publisher, http: httpx.AsyncClient, offer: str
) -> None:
    assert "a=setup:actpass" in offer
    r = await http.post(endpoint(server), content=offer, headers=SDP)
    assert r.status_code == 201, r.text
    assert r.headers["link"] == '<stun:stun.example.net:3478>; rel="ice-server"'
    assert "s3cret" not in str(r.headers) and "turn:" not in r.headers["link"]
    assert r.headers["accept-patch"] == "application/trickle-ice-sdpfrag"
    # we are the DTLS server, so a viewer's RSA certificate works (relay/dtls.py)
    assert "a=setup:passive" in r.text
    assert (await http.delete(server.url + r.headers["location"])).status_code == 204


@pytest.mark.parametrize(
    ("offered", "answered"), [("actpass", "passive"), ("active", "passive"), ("passive", "active")]
)
async def test_answer_takes_the_dtls_role_the_offer_leaves(
    server: ServerThread,
    camera: Publisher,
    http: httpx.AsyncClient,
    offer: str,
    offered: str,
    answered: str,
) -> None:
    # a passive offer was once answered passive too (two DTLS servers): relay/dtls.py
    r = await http.post(
        endpoint(server),
        content=offer.replace("a=setup:actpass", f"a=setup:{offered}"),
        headers=SDP,
    )
    assert r.status_code == 201, r.text
    assert re.findall(r"a=setup:(\w+)", r.text) == [answered]
    assert (await http.delete(server.url + r.headers["location"])).status_code == 204
