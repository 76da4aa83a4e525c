"""Relay series on /metrics (relay/metrics.py), scraped from the real server."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread
from tests.relay.whep_client import WhepClient


async def scrape(http: httpx.AsyncClient, server: ServerThread) -> dict[str, float]:
    r = await http.get(f"{server.url}/metrics", headers=server.auth_headers())  # not public
    assert r.status_code == 200
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            if sample.name.startswith("vms_relay_"):
                label = sample.labels.get("state")
                values[sample.name + (f"/{label}" if label else "")] = sample.value
    return values


async def test_metrics_count_sessions_packets_bytes_and_replays(
    server: ServerThread, h264_packets: list[tuple[bytes, bool]]
) -> None:
    pub = Publisher(server, StreamKey(2, "sub"), h264_packets).start()
    try:
        pub.wait_sent(5)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            before = await scrape(http, server)
            assert before["vms_relay_sessions/connected"] == 0
            assert before["vms_relay_packets_sent_total"] == 0
            client = WhepClient(f"{server.url}/api/v1/cameras/2/whep", http)
            await client.start()
            for _ in range(10):
                await client.frame()
            session = server.call(lambda: next(iter(server.services.relay._sessions.values())))
            server.call(session.track.request_keyframe)
            during = await scrape(http, server)
            assert during["vms_relay_sessions/connected"] == 1
            assert during["vms_relay_sessions_opened_total"] == 1
            assert during["vms_relay_packets_sent_total"] >= 10
            assert during["vms_relay_bytes_sent_total"] > during["vms_relay_packets_sent_total"]
            assert during["vms_relay_keyframe_replays_total"] == 1
            assert during["vms_relay_transcoders_running"] == 0
            assert await client.stop() == 204
            after = await scrape(http, server)
            assert after["vms_relay_sessions/connected"] == 0
            assert after["vms_relay_sessions_closed_total"] == 1
            assert after["vms_relay_keyframe_replays_total"] == 1  # kept after the close
    finally:
        pub.stop()
