"""Viewer caps across a site's nodes, on the real Redis: the per-user and per-address counts
hold whichever node a session runs on, a closed session frees its place at once, a dead
node's sessions stop counting after the ticket time, and with Redis unreachable each node's
own caps still hold. End to end: two servers of one site, a user at the cap on one is refused
on the other over real WHEP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread, encode_packets
from tests.relay.offers import viewer_offer
from tests.site.conftest import REDIS_URL
from vms.config import Settings, load_settings
from vms.site.sessions import SiteSessions

pytestmark = pytest.mark.redis
SDP = {"Content-Type": "application/sdp"}


async def test_caps_count_every_node(client: tuple[aioredis.Redis, str]) -> None:
    c, prefix = client
    a, b = SiteSessions(c, prefix, 5000), SiteSessions(c, prefix, 5000)
    assert await a.admit("t1", "10.0.0.1", "desk", per_address=5, per_user=2) is None
    assert await b.admit("t2", "10.0.0.2", "desk", per_address=5, per_user=2) is None
    assert await a.admit("t3", "10.0.0.3", "desk", per_address=5, per_user=2) == "user"
    assert await b.admit("t4", "10.0.0.1", "other", per_address=1, per_user=2) == "address"
    assert await a.admit("t5", "10.0.0.9", None, per_address=1, per_user=2) is None  # no user
    await b.release("t2")
    assert await a.admit("t6", "10.0.0.3", "desk", per_address=5, per_user=2) is None
    await b.release("t2")  # twice: nothing more happens
    assert await c.zcard(f"{prefix}views:user:desk") == 2


async def test_a_dead_nodes_sessions_stop_counting(client: tuple[aioredis.Redis, str]) -> None:
    c, prefix = client
    alive, dead = SiteSessions(c, prefix, 800), SiteSessions(c, prefix, 800)
    assert await alive.admit("mine", "10.0.0.1", "desk", 9, 2) is None
    assert await dead.admit("theirs", "10.0.0.2", "desk", 9, 2) is None
    assert await alive.admit("more", "10.0.0.3", "desk", 9, 2) == "user"
    for _ in range(6):  # the live node renews each tick; the dead one no longer does
        await asyncio.sleep(0.25)
        await alive.renew()
    assert await alive.admit("more", "10.0.0.3", "desk", 9, 2) is None  # "theirs" expired
    assert await alive.admit("again", "10.0.0.4", "desk", 9, 2) == "user"  # "mine" did not


async def test_redis_unreachable_admits_on_the_nodes_own_caps() -> None:
    down = aioredis.Redis(host="127.0.0.1", port=9, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        sessions = SiteSessions(down, "test-views-down:", 5000)
        assert await sessions.admit("t1", "10.0.0.1", "desk", 1, 1) is None
        await sessions.release("t1")  # logged, not raised
    finally:
        await down.aclose()


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[ServerThread, ServerThread]]:
    site = f"t-views-{uuid.uuid4().hex[:8]}"
    url = f"sqlite:///{tmp_path / 'site.db'}"

    def settings() -> Settings:
        return load_settings(
            None,
            database={"url": url},
            state={"backend": "redis", "redis_url": REDIS_URL},
            site={"name": site},
            relay={"start_wait_s": 1.0, "max_sessions_per_user": 2},
            ingest={"camera_networks": ["127.0.0.0/8"]},
        )

    with ServerThread(settings()) as first, ServerThread(settings()) as second:
        yield first, second


async def test_a_user_at_the_cap_on_one_node_is_refused_on_another(
    two_nodes: tuple[ServerThread, ServerThread],
) -> None:
    first, second = two_nodes
    packets = encode_packets(30)
    pubs = [Publisher(node, StreamKey(7, "sub"), packets).start() for node in two_nodes]
    try:
        for pub in pubs:
            pub.wait_sent(3)
        offer = await viewer_offer()
        headers = first.auth_headers()  # one user, signed in once, valid on both nodes
        async with httpx.AsyncClient(timeout=20, headers=headers) as http:

            async def post(node: ServerThread) -> httpx.Response:
                url = f"{node.url}/api/v1/cameras/7/whep?stream=sub"
                return await http.post(url, content=offer, headers=SDP)

            one, two = await post(first), await post(second)
            assert (one.status_code, two.status_code) == (201, 201), (one.text, two.text)
            refused = await post(first)
            assert refused.status_code == 429, refused.text
            assert "on this site" in refused.json()["detail"]
            assert "retry-after" in refused.headers
            gone = await http.delete(f"{second.url}{two.headers['location']}")
            assert gone.status_code == 204
            again = await post(first)
            assert again.status_code == 201, again.text
            for node, resp in ((first, one), (first, again)):
                await http.delete(f"{node.url}{resp.headers['location']}")
    finally:
        for pub in pubs:
            pub.stop()


async def test_a_stopping_node_frees_its_places_at_once(
    client: tuple[aioredis.Redis, str],
) -> None:
    c, prefix = client
    staying, stopping = SiteSessions(c, prefix, 60_000), SiteSessions(c, prefix, 60_000)
    assert await stopping.admit("t1", "10.0.0.1", "desk", 9, 1) is None
    assert await staying.admit("t2", "10.0.0.2", "desk", 9, 1) == "user"
    await stopping.close()  # not after the minute its ticket had left
    assert await staying.admit("t2", "10.0.0.2", "desk", 9, 1) is None
    await stopping.release("t1")  # its relay ends the session later: nothing more is sent
    assert await stopping.admit("t3", "10.0.0.3", "desk", 9, 1) is None  # own caps only now
    assert await c.zcard(f"{prefix}views:user:desk") == 1
