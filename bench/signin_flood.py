"""Sign-in flood: health and signed-in request latency while 200 sign-ins arrive at once.

Runs the real server (uvicorn on loopback, SQLite) twice in one process: first with password
checks on the threads every sync route shares and no cap (how sign-in ran before: `shared`),
then on the bounded password pool with its queue cap (`pool`, the default settings). During
each flood two probes loop: `GET /healthz` and a signed-in `GET /api/v1/cameras`. Prints
p50/p99/max of both, the sign-ins' outcome and latency, and the process's resident memory.

    python -m bench.signin_flood --signins 200
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi.concurrency import run_in_threadpool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures_server import ADMIN_PASSWORD, ADMIN_USER, LiveServer, site_settings

T = TypeVar("T")


class SharedThreads:
    """The old placement: password checks on the sync routes' shared threads, no cap."""

    pending = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(fn, *args)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def close(self) -> None:
        pass


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def probe(client: httpx.AsyncClient, path: str, headers: dict[str, str],
                stop: asyncio.Event, out: list[float]) -> None:  # fmt: skip
    while not stop.is_set():
        start = time.perf_counter()
        r = await client.get(path, headers=headers, timeout=120)
        out.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
        await asyncio.sleep(0.02)


async def flood(base: str, signins: int, token: str) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=signins + 10, max_keepalive_connections=signins + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as client:
        signed_in = {"Authorization": f"Bearer {token}"}
        stop = asyncio.Event()
        health: list[float] = []
        cameras: list[float] = []
        peak = [rss_mb()]

        async def sample() -> None:
            while not stop.is_set():
                peak.append(rss_mb())
                await asyncio.sleep(0.1)

        async def sign_in() -> tuple[int, float]:
            start = time.perf_counter()
            r = await client.post(
                "/api/v1/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            return r.status_code, (time.perf_counter() - start) * 1000

        probes = [
            asyncio.create_task(probe(client, "/healthz", {}, stop, health)),
            asyncio.create_task(probe(client, "/api/v1/cameras", signed_in, stop, cameras)),
            asyncio.create_task(sample()),
        ]
        await asyncio.sleep(0.5)  # baseline samples
        baseline = len(health), len(cameras)
        start = time.perf_counter()
        results = await asyncio.gather(*(sign_in() for _ in range(signins)))
        wall = time.perf_counter() - start
        stop.set()
        await asyncio.gather(*probes)
    ok = [ms for code, ms in results if code == 200]
    return {
        "wall_s": wall,
        "codes": {c: sum(1 for r, _ in results if r == c) for c in sorted({r for r, _ in results})},
        "signin_p50": pct(ok, 0.5),
        "signin_max": max(ok) if ok else float("nan"),
        "refused_p50": pct([ms for code, ms in results if code != 200], 0.5),
        "health": health[baseline[0] :],
        "cameras": cameras[baseline[1] :],
        "rss_start": peak[0],
        "rss_peak": max(peak),
    }


def run(mode: str, signins: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = site_settings(Path(tmp) / "vms.db")
        with LiveServer(settings) as server:
            if mode == "shared":
                server.services.identity.hashing = SharedThreads()  # type: ignore[assignment]
            with httpx.Client(base_url=server.base_url) as c:
                r = c.post(
                    "/api/v1/auth/token",
                    data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                )
                token = r.json()["access_token"]
            return asyncio.run(flood(server.base_url, signins, token))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signins", type=int, default=200)
    args = parser.parse_args()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpu = platform.processor() or platform.machine()
    print(f"{when} {platform.node()} {cpu}, {args.signins} sign-ins at once")
    print(
        "| password checks | sign-ins 200/429 | sign-in p50 / max ms "
        "| /healthz p50 / p99 / max ms | signed-in GET p50 / p99 / max ms | RSS start → peak MB |"
    )
    print("|---|---|---|---|---|---|")
    for mode in ("shared", "pool"):
        res = run(mode, args.signins)
        h, c = res["health"], res["cameras"]
        codes = res["codes"]
        label = "shared threads, no cap (before)" if mode == "shared" else "password pool (after)"
        print(
            f"| {label} | {codes.get(200, 0)}/{codes.get(429, 0)} "
            f"| {res['signin_p50']:.0f} / {res['signin_max']:.0f} "
            f"| {statistics.median(h):.0f} / {pct(h, 0.99):.0f} / {max(h):.0f} "
            f"| {statistics.median(c):.0f} / {pct(c, 0.99):.0f} / {max(c):.0f} "
            f"| {res['rss_start']:.0f} → {res['rss_peak']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
