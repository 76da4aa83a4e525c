"""Time to first frame over WHEP: POST to the first decoded picture at an aiortc viewer.

Ours (sim → ingest → bus → relay, `vms serve` in its own process) side by side with the stock
aiortc approach (MediaPlayer + MediaRelay, re-encoding and decode=False), in one run, on the
same simulated camera (`vms camsim`, sub 640x360 H.264 1 Mbit/s 15 fps GOP 2 s). Starts are
interleaved (ours, stock re-encode, stock pass-through, ours, ...) so all see the same load,
and spaced by a random pause so they land at random points of the GOP. Prints p50/p95, then
the POST-to-201 time of 16 offers sent at once over 6 connections (a wall opening 16 tiles).

    python -m bench.whep_ttff --starts 50   (from the repository root)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

import httpx

from bench.whep_rig import SERVERS, Rig, Server, machine, percentile
from tests.relay.whep_client import WhepClient, first_frame_ms

TIMEOUT_S = 10.0


async def one_start(http: httpx.AsyncClient, endpoint: str) -> float | None:
    client = WhepClient(endpoint, http)
    try:
        return await asyncio.wait_for(first_frame_ms(client, TIMEOUT_S), TIMEOUT_S + 5)
    except Exception as exc:
        print(f"  {endpoint}: {type(exc).__name__}: {str(exc)[:200]}", flush=True)
        return None
    finally:
        await client.stop()


async def run(rig: Rig, starts: int, servers: tuple[Server, ...]) -> dict[Server, list[float]]:
    results: dict[Server, list[float]] = {s: [] for s in servers}
    failures: dict[Server, int] = {s: 0 for s in servers}
    async with httpx.AsyncClient(timeout=20, headers=rig.headers) as http:
        for server in servers:  # warm up: HTTP connection, codec tables
            await one_start(http, rig.endpoint(server))
        for i in range(starts):
            for server in servers:
                ms = await one_start(http, rig.endpoint(server))
                if ms is None:
                    failures[server] += 1
                else:
                    results[server].append(ms)
                # a random pause: a fixed one can alias with the GOP and always land alike
                await asyncio.sleep(random.uniform(0.05, 2.05))
            if (i + 1) % 10 == 0:
                print(f"  {i + 1}/{starts} starts", flush=True)
    for server, n in failures.items():
        if n:
            print(f"  {server}: {n} starts without a picture within {TIMEOUT_S:g} s")
    return results


async def burst(rig: Rig, server: Server, n: int) -> list[float]:
    """Milliseconds from POST to the 201 for `n` offers sent at once over 6 connections (as
    Chromium does per host), like a wall opening n tiles; sessions are deleted afterwards."""
    async with httpx.AsyncClient(
        timeout=60, headers=rig.headers, limits=httpx.Limits(max_connections=6)
    ) as http:
        clients = [WhepClient(rig.endpoint(server, 1 + i % rig.cameras), http) for i in range(n)]

        async def start(client: WhepClient) -> float:
            await client.start()
            return (time.monotonic() - client.posted_at) * 1000.0

        try:
            return list(await asyncio.gather(*(start(c) for c in clients)))
        finally:
            await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=50)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--burst", type=int, default=16, help="offers at once (0: skip)")
    args = parser.parse_args()
    servers: tuple[Server, ...] = tuple(args.servers.split(","))
    bursts: dict[Server, list[float]] = {}
    with Rig(cameras=4, servers=servers) as rig:
        results = asyncio.run(run(rig, args.starts, servers))
        for server in servers if args.burst else ():
            bursts[server] = asyncio.run(burst(rig, server, args.burst))
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine()}")
    print("| server | starts with a picture | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for server, ms in results.items():
        if not ms:
            print(f"| {server} | 0/{args.starts} | - | - | - |")
            continue
        print(
            f"| {server} | {len(ms)}/{args.starts} | {statistics.median(ms):.1f} | "
            f"{percentile(ms, 95):.1f} | {max(ms):.1f} |"
        )
    for server, ms in bursts.items():
        print(
            f"{server}: {len(ms)} offers at once, POST to 201 p50 "
            f"{statistics.median(ms):.1f} ms, max {max(ms):.1f} ms"
        )


if __name__ == "__main__":
    main()
