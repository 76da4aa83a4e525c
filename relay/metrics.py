"""Prometheus series of the relay, read from `RelayManager.stats()` on scrape.

A collector, like ingest's, so the packet path only bumps plain integers and each app registers
it in its own CollectorRegistry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from relay.manager import RelayStats


class RelayCollector(Collector):
    """Viewer sessions, transcoders, packets/bytes sent, keyframe replays, refusals."""

    def __init__(self, stats: Callable[[], RelayStats]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        s = self.stats()
        sessions = GaugeMetricFamily(
            "vms_relay_sessions", "WHEP viewer sessions by state", labels=["state"]
        )
        sessions.add_metric(["connected"], s.sessions_connected)
        sessions.add_metric(["connecting"], s.sessions - s.sessions_connected)
        yield sessions
        yield GaugeMetricFamily(
            "vms_relay_transcoders_running",
            "Streams being converted to H.264 for viewers",
            value=s.transcoders_running,
        )
        for name, doc, value in (
            ("vms_relay_sessions_opened", "Viewer sessions opened", s.sessions_opened_total),
            ("vms_relay_sessions_closed", "Viewer sessions closed", s.sessions_closed_total),
            (
                "vms_relay_sessions_refused",
                "Offers refused for caps (429/503)",
                s.sessions_refused_total,
            ),
            ("vms_relay_packets_sent", "Video frames handed to viewers", s.packets_sent_total),
            ("vms_relay_bytes_sent", "Video payload bytes handed to viewers", s.bytes_sent_total),
            (
                "vms_relay_keyframe_replays",
                "Keyframe requests (PLI/FIR) answered from the GOP cache",
                s.keyframe_replays_total,
            ),
            (
                "vms_relay_transcoders_refused",
                "Viewers refused because every transcoder was busy",
                s.transcoders_refused_total,
            ),
        ):
            yield CounterMetricFamily(name, doc, value=value)
