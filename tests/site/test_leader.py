"""Which node speaks for the site (its alerts, announced once): the live node with the
smallest name, on the real Redis; when it stops beating, the next one takes over."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ingest.health import HealthRegistry
from tests.site.conftest import REDIS_URL
from vms.site.config import SiteConfig
from vms.site.membership import LocalSite, RedisSite

pytestmark = pytest.mark.redis


def _node(config: SiteConfig, name: str) -> RedisSite:
    return RedisSite(
        config, name, "http://127.0.0.1:9", REDIS_URL, lambda: None, lambda: 0, HealthRegistry()
    )


async def test_the_live_node_with_the_smallest_name_leads() -> None:
    config = SiteConfig(name=f"t-lead-{uuid.uuid4().hex[:8]}", lease_ms=1000)
    a, b = _node(config, "node-a"), _node(config, "node-b")
    try:
        assert not a.leads() and not b.leads()  # nobody speaks before seeing the others
        await b.tick()
        assert b.leads()  # alone
        await a.tick()
        await b.tick()
        assert a.leads() and not b.leads()
        await asyncio.sleep(1.2)  # a stops beating (killed): past the lease, b speaks
        await b.tick()
        assert b.leads()
    finally:
        await a.stop()
        await b.stop()


def test_one_process_always_speaks() -> None:
    site = LocalSite(SiteConfig(), "solo", "http://127.0.0.1:9", lambda: None, lambda: 0,
                     HealthRegistry())  # fmt: skip
    assert site.leads()
