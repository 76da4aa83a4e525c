"""Prometheus series of the recorder, read on scrape (nothing counted on the hot path)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vms.recording.service import RecordingService


class RecordingCollector(Collector):
    """Streams recorded, bytes and segments written, overflows, disk-full streams."""

    def __init__(self, service: RecordingService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        labels = ["camera_id", "stream"]
        written = CounterMetricFamily(
            "vms_recording_bytes", "Bytes written to recordings", labels=labels
        )
        segments = CounterMetricFamily(
            "vms_recording_segments", "Recorded segments closed", labels=labels
        )
        overflows = CounterMetricFamily(
            "vms_recording_overflow_packets",
            "Packets the recorder was refused because it fell behind (recorded as gaps)",
            labels=labels,
        )
        for key, rec in self.service.recorder.streams.items():
            ident = [str(key.camera_id), key.stream]
            seg = rec.segmenter
            written.add_metric(ident, seg.bytes_written if seg else 0)
            segments.add_metric(ident, seg.segments_written if seg else 0)
            overflows.add_metric(ident, rec.overflows)
        recorded = GaugeMetricFamily("vms_recording_streams", "Camera streams being recorded")
        recorded.add_metric([], len(self.service.recorder.streams))
        full = GaugeMetricFamily(
            "vms_recording_disk_full_streams", "Streams not recorded because writes fail"
        )
        full.add_metric([], len(self.service.recorder.disk_full))
        yield from (written, segments, overflows, recorded, full)
