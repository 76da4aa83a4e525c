"""Prometheus series of the ingest layer, read live from health and the frame bus on scrape.

A collector (not counters updated per packet) so the hot path pays nothing and each app can
register it in its own CollectorRegistry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry, StreamState


class IngestCollector(Collector):
    """Stream states, packets, bytes, reconnects, subscribers and subscriber drops."""

    def __init__(
        self, health: HealthRegistry, bus: FrameBus, handoff_drops: Callable[[], int]
    ) -> None:
        self.health = health
        self.bus = bus
        self.handoff_drops = handoff_drops

    def collect(self) -> Iterator[Metric]:
        labels = ["camera_id", "stream"]
        states = GaugeMetricFamily(
            "vms_camera_streams", "Camera streams by ingest state", labels=["state"]
        )
        packets = CounterMetricFamily(
            "vms_ingest_packets", "Packets received from the camera", labels=labels
        )
        octets = CounterMetricFamily(
            "vms_ingest_bytes", "Bytes received from the camera", labels=labels
        )
        reconnects = CounterMetricFamily(
            "vms_ingest_reconnects", "Reconnects of the camera stream", labels=labels
        )
        online = GaugeMetricFamily("vms_ingest_online", "1 if the stream is online", labels=labels)
        by_state = Counter(h.state for h in self.health.all())
        for state in StreamState:
            states.add_metric([state.value], by_state.get(state, 0))
        for h in self.health.all():
            ident = [str(h.key.camera_id), h.key.stream]
            packets.add_metric(ident, h.packets)
            octets.add_metric(ident, h.bytes)
            reconnects.add_metric(ident, h.reconnects)
            online.add_metric(ident, 1 if h.state == StreamState.ONLINE else 0)
        subscribers = GaugeMetricFamily(
            "vms_bus_subscribers", "Subscribers of the stream's bus channel", labels=labels
        )
        drops = CounterMetricFamily(
            "vms_bus_subscriber_drops",
            "Packets dropped for slow subscribers (they skipped to a keyframe)",
            labels=labels,
        )
        for ch in self.bus:
            ident = [str(ch.key.camera_id), ch.key.stream]
            subscribers.add_metric(ident, ch.subscriber_count)
            drops.add_metric(ident, ch.dropped_total)
        handoff = CounterMetricFamily(
            "vms_ingest_handoff_drops", "Packets dropped because the event loop lagged"
        )
        handoff.add_metric([], self.handoff_drops())
        yield from (states, packets, octets, reconnects, online, subscribers, drops, handoff)
