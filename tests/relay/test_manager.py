"""RelayManager (relay/manager.py): nothing leaks under floods and churn; the reaper reaps."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any

import httpx
import pytest
from aiortc import RTCPeerConnection

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread
from tests.relay.offers import viewer_offer

SDP = {"Content-Type": "application/sdp"}
CYCLES = 200
FLOOD = 60
WARM = FLOOD  # fill the bounded pools (database, threads) to their flood size first
# bounded pools may still hold a few more sockets after the flood; a per-session leak would
# show as hundreds (WARM + 1 + CYCLES + FLOOD sessions)
FD_SLACK = 6


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def peer_connections() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, RTCPeerConnection))


async def settle(check: Any, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, (
            f"did not settle: fds {open_fds()}, peer connections {peer_connections()} ({what})"
        )
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    "relay_settings",
    [{"connect_timeout_s": 3.0, "max_sessions_per_address": 1000, "start_wait_s": 2.0}],
)
async def test_flood_and_churn_leave_fds_and_peer_connections_at_baseline(
    server: ServerThread, h264_packets: list[tuple[bytes, bool]]
) -> None:
    pub = Publisher(server, StreamKey(5, "sub"), h264_packets).start()
    relay = server.services.relay
    url = f"{server.url}/api/v1/cameras/5/whep"
    offer = await viewer_offer()  # a viewer that never answers ICE
    try:
        pub.wait_sent(2)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            # warm up (HTTP keep-alive connection, lazily created sockets, the database pool
            # that concurrent camera lookups fill), then take the baseline
            async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as burst:
                warm = await asyncio.gather(
                    *(burst.post(url, content=offer, headers=SDP) for _ in range(WARM))
                )
                for r in warm:
                    await burst.delete(server.url + r.headers["location"])
            r = await http.post(url, content=offer, headers=SDP)
            await http.delete(server.url + r.headers["location"])
            await asyncio.sleep(0.7)
            fds, pcs = open_fds(), peer_connections()

            for _ in range(CYCLES):  # open/close cycles
                r = await http.post(url, content=offer, headers=SDP)
                assert r.status_code == 201, r.text
                assert (await http.delete(server.url + r.headers["location"])).status_code == 204

            # concurrent POSTs open many HTTP connections: use a pool we close before counting
            async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as burst:
                flood = await asyncio.gather(
                    *(burst.post(url, content=offer, headers=SDP) for _ in range(FLOOD))
                )
            assert all(r.status_code == 201 for r in flood), {
                r.text for r in flood if r.status_code != 201
            }
            # nobody completes ICE: the reaper ends them after connect_timeout_s
            await settle(lambda: server.call(lambda: len(relay)) == 0)
            stats = server.call(relay.stats)
            assert stats.sessions_opened_total == WARM + 1 + CYCLES + FLOOD
            assert stats.sessions_closed_total == WARM + 1 + CYCLES + FLOOD
            await asyncio.sleep(0.7)  # the consent sweeps of the last closes
            await settle(
                lambda: peer_connections() <= pcs and open_fds() <= fds + FD_SLACK,
                10,
                f"baseline fds {fds}, peer connections {pcs}",
            )
    finally:
        pub.stop()
    assert server.call(lambda: pub.channel.subscriber_count) == 0
