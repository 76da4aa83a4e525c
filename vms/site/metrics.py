"""Prometheus figures of this node's part in the site."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vms.site.membership import LocalSite, RedisSite


class SiteCollector(Collector):
    """Degraded flag, cameras leased here, leases taken and Redis operations sent."""

    def __init__(self, site: LocalSite | RedisSite) -> None:
        self.site = site

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "vms_site_degraded",
            "1 while the site's shared state (Redis) cannot be reached",
            value=int(self.site.degraded),
        )
        if isinstance(self.site, RedisSite):
            yield GaugeMetricFamily(
                "vms_site_leases", "Camera leases held by this node", value=len(self.site.held())
            )
            yield CounterMetricFamily(
                "vms_site_leases_taken", "Camera leases this node took", value=self.site.moves
            )
            yield CounterMetricFamily(
                "vms_site_redis_ops", "Redis commands sent by the site", value=self.site.redis_ops
            )
