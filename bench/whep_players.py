"""Time to first frame per WHEP player: aiortc and GStreamer's webrtcbin, in one run.

Our server (`vms serve`, sim → ingest → bus → relay) on the rig's simulated camera (sub
640x360 H.264 15 fps GOP 2 s). Each start is POST to the first decoded picture, measured by the
player itself: aiortc (tests/relay/whep_client.py, in this process) and webrtcbin with its
default RSA certificate (scripts/whep_play.py under Debian's /usr/bin/python3, which
also reports when ICE+DTLS connected and when the first RTP packet left its jitter buffer).
webrtcbin runs twice: with its default jitter-buffer latency (200 ms) and with `latency=0`.
Starts are interleaved with random pauses so they land at random points of the GOP.

    python -m bench.whep_players --starts 20   (from the repository root)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bench.whep_rig import Rig, machine, percentile
from tests.relay.whep_client import WhepClient, first_frame_ms

WEBRTCBIN = Path(__file__).resolve().parents[1] / "scripts" / "whep_play.py"
PLAYERS = ("aiortc", "webrtcbin", "webrtcbin latency=0", "webrtcbin faststart=2")


async def aiortc_start(http: httpx.AsyncClient, endpoint: str) -> dict[str, Any]:
    client = WhepClient(endpoint, http)
    try:
        return {"first_frame_ms": await asyncio.wait_for(first_frame_ms(client, 10), 15)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        await client.stop()


def webrtcbin_start(
    endpoint: str, headers: dict[str, str], latency: int | None, faststart: int = 0
) -> dict[str, Any]:
    args = ["/usr/bin/python3", str(WEBRTCBIN), endpoint, "--frames", "1", "--timeout", "10"]
    args += [a for k, v in headers.items() for a in ("--header", f"{k}: {v}")]
    if latency is not None:
        args += ["--latency", str(latency)]
    if faststart:
        args += ["--faststart", str(faststart)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": proc.stderr[-300:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def run(rig: Rig, starts: int) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {p: [] for p in PLAYERS}
    endpoint = rig.endpoint("ours")
    async with httpx.AsyncClient(timeout=20, headers=rig.headers) as http:
        await aiortc_start(http, endpoint)  # warm up: HTTP connection, codec tables
        await asyncio.to_thread(webrtcbin_start, endpoint, rig.headers, None)
        for i in range(starts):
            for player in PLAYERS:
                if player == "aiortc":
                    result = await aiortc_start(http, endpoint)
                else:
                    latency = 0 if player.endswith("latency=0") else None
                    faststart = 2 if player.endswith("faststart=2") else 0
                    result = await asyncio.to_thread(
                        webrtcbin_start, endpoint, rig.headers, latency, faststart
                    )
                if result.get("error"):
                    print(f"  {player}: {result['error']}", flush=True)
                results[player].append(result)
                await asyncio.sleep(random.uniform(0.05, 2.05))
            if (i + 1) % 5 == 0:
                print(f"  {i + 1}/{starts} starts", flush=True)
    return results


def column(results: list[dict[str, Any]], key: str) -> str:
    values = [r[key] for r in results if r.get(key) is not None and not r.get("error")]
    if not values:
        return "- / -"
    return f"{statistics.median(values):.1f} / {percentile(values, 95):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    with Rig(cameras=1, servers=("ours",)) as rig:
        results = asyncio.run(run(rig, args.starts))
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine()}")
    print(
        "| player | starts with a picture | connected p50 / p95 ms | first RTP out p50 / p95 ms "
        "| first frame p50 / p95 ms | max ms |"
    )
    print("|---|---|---|---|---|---|")
    for player, rows in results.items():
        ok = [r for r in rows if not r.get("error") and r.get("first_frame_ms") is not None]
        worst = max((r["first_frame_ms"] for r in ok), default=float("nan"))
        print(
            f"| {player} | {len(ok)}/{len(rows)} | {column(rows, 'connected_ms')} | "
            f"{column(rows, 'first_rtp_ms')} | {column(rows, 'first_frame_ms')} | {worst:.1f} |"
        )


if __name__ == "__main__":
    main()
