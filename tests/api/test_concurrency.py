"""Many signed-in requests at once on the real server: none waits on the database pool.

More concurrent requests than worker threads and pooled connections together: a request that
held its connection across a hop between worker threads (sign-in check, then the endpoint)
could leave every thread waiting for a connection held by requests waiting for a thread,
and all of them would stall until the pool's 30 s timeout. The client gives up well before.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.fixtures_server import SESSION_COOKIE, LiveServer

REQUESTS = 150  # > 40 worker threads + 15 pooled connections
CLIENT_TIMEOUT_S = 20.0  # below the pool timeout, so a stall fails here


async def test_concurrent_signed_in_requests_all_answer(live_server: LiveServer) -> None:
    with live_server.client() as c:
        cookie = LiveServer.sign_in(c)
    limits = httpx.Limits(max_connections=REQUESTS)
    async with httpx.AsyncClient(
        base_url=live_server.base_url,
        timeout=CLIENT_TIMEOUT_S,
        limits=limits,
        cookies={SESSION_COOKIE: cookie},
    ) as http:
        paths = ["/api/v1/cameras", "/api/v1/agencies", "/api/v1/auth/me"]
        replies = await asyncio.gather(*(http.get(paths[n % len(paths)]) for n in range(REQUESTS)))
    assert [r.status_code for r in replies] == [200] * REQUESTS, {
        r.text for r in replies if r.status_code != 200
    }
