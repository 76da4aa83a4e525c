"""A real Redis (127.0.0.1:6379) with a key prefix of the test's own, emptied afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def client() -> AsyncIterator[tuple[aioredis.Redis, str]]:
    prefix = f"test-site-{uuid.uuid4().hex[:8]}:"
    c = aioredis.Redis.from_url(REDIS_URL)
    yield c, prefix
    keys = [k async for k in c.scan_iter(match=prefix + "*")]
    if keys:
        await c.delete(*keys)
    await c.aclose()
