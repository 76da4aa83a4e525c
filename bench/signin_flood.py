"""Sign-in flood: health and signed-in request latency while 200 sign-ins arrive at once.

Runs the real server (uvicorn on loopback, SQLite) in a child process, twice in one run: first
with password checks on the threads every sync route shares and no cap (how sign-in ran
before: `shared`), then on the bounded password pool with its queue cap (`pool`, the default
settings). During each flood two probes loop on a thread of their own: `GET /healthz` and a
signed-in `GET /api/v1/cameras`. Prints p50/p99/max of both, the sign-ins' outcome and
latency, and the server process's resident memory.

    python -m bench.signin_flood --signins 200
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def probe(base: str, path: str, headers: dict[str, str], stop: threading.Event,
          out: list[float]) -> None:  # fmt: skip
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            start = time.perf_counter()
            r = client.get(path, headers=headers)
            out.append((time.perf_counter() - start) * 1000)
            r.raise_for_status()
            time.sleep(0.01)


async def flood(base: str, signins: int) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=signins + 10, max_keepalive_connections=signins + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as client:

        async def sign_in() -> tuple[int, float]:
            start = time.perf_counter()
            r = await client.post(
                "/api/v1/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            return r.status_code, (time.perf_counter() - start) * 1000

        return await asyncio.gather(*(sign_in() for _ in range(signins)))


def serve(mode: str) -> None:
    """The child: a site served until stdin closes; prints its URL when ready."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = site_settings(Path(tmp) / "vms.db")
        with LiveServer(settings) as server:
            if mode == "shared":
                server.services.identity.hashing = SharedThreads()  # type: ignore[assignment]
            print(server.base_url, flush=True)
            sys.stdin.read()


def run(mode: str, signins: int) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.signin_flood", "--serve", mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        base = child.stdout.readline().strip()
        with httpx.Client(base_url=base) as c:
            r = c.post(
                "/api/v1/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            signed_in = {"Authorization": f"Bearer {r.json()['access_token']}"}
        stop = threading.Event()
        health: list[float] = []
        cameras: list[float] = []
        rss = [rss_mb(child.pid)]

        def sample() -> None:
            while not stop.is_set():
                rss.append(rss_mb(child.pid))
                time.sleep(0.1)

        camera_probe = (base, "/api/v1/cameras", signed_in, stop, cameras)
        threads = [
            threading.Thread(target=probe, args=(base, "/healthz", {}, stop, health)),
            threading.Thread(target=probe, args=camera_probe),
            threading.Thread(target=sample),
        ]
        for t in threads:
            t.start()
        time.sleep(1.0)  # warm: baseline samples
        first = len(health), len(cameras)
        start = time.perf_counter()
        results = asyncio.run(flood(base, signins))
        wall = time.perf_counter() - start
        stop.set()
        for t in threads:
            t.join()
    finally:
        child.stdin.close()
        child.wait(60)
    ok = [ms for code, ms in results if code == 200]
    return {
        "wall_s": wall,
        "codes": {c: sum(1 for r, _ in results if r == c) for c in sorted({r for r, _ in results})},
        "signin_p50": pct(ok, 0.5),
        "signin_max": max(ok) if ok else float("nan"),
        "health": health[first[0] :],
        "cameras": cameras[first[1] :],
        "rss_start": rss[0],
        "rss_peak": max(rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signins", type=int, default=200)
    parser.add_argument("--serve", choices=["shared", "pool"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpu = platform.processor() or platform.machine()
    print(f"{when} {platform.node()} {cpu}, {args.signins} sign-ins at once")
    print(
        "| password checks | sign-ins 200/429 | sign-in p50 / max ms "
        "| /healthz p50 / p99 / max ms | signed-in GET p50 / p99 / max ms | RSS start → peak MB "
        "| probe samples |"
    )
    print("|---|---|---|---|---|---|---|")
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
            f"| {res['rss_start']:.0f} → {res['rss_peak']:.0f} "
            f"| {len(h)} / {len(c)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
