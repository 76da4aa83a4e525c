"""Capacity: viewer streams a server sustains with < 1% frames lost, and its CPU per stream.

Ours (`vms serve`: sim → ingest → bus → relay) and the stock aiortc approach (MediaPlayer +
MediaRelay, decode=False and re-encoding), one after another in one run, on the same simulated
cameras (sub 640x360 H.264 1 Mbit/s 15 fps GOP 2 s). Each server runs in its own process; its
CPU comes from /proc/<pid>/stat over the measuring window, less its CPU with no viewer.

Viewers are light: separate client processes (`--client`) of aiortc peer connections whose
receivers count RTP packets, frames (marker bit) and sequence gaps instead of decoding, so the
clients cost far less than the server. A step passes when every viewer got >= 99% of the
camera's frames (15 fps x window) and RTP sequence loss stays under 1%.

    python -m bench.whep_capacity --steps 25,50,100 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.whep_rig import SERVERS, VMS, Rig, Server, cpu_seconds, machine

FPS = 15
PER_CLIENT = 25  # viewers per client process
WARMUP_S = 4.0

_counts: dict[int, list[int]] = {}  # receiver id -> [packets, frames, last seq, lost, bytes]


def _install_counter() -> None:
    """Replace aiortc's receive path (jitter buffer + decoder) with counting."""
    from aiortc.rtcrtpreceiver import RTCRtpReceiver
    from aiortc.rtp import RtpPacket

    async def count(self: RTCRtpReceiver, packet: RtpPacket, arrival_time_ms: int) -> None:
        c = _counts.setdefault(id(self), [0, 0, -1, 0, 0])
        c[0] += 1
        c[4] += len(packet.payload)
        if packet.marker:
            c[1] += 1
        if c[2] >= 0:
            gap = (packet.sequence_number - c[2]) & 0xFFFF
            if 1 < gap < 3000:
                c[3] += gap - 1
        c[2] = packet.sequence_number

    RTCRtpReceiver._handle_rtp_packet = count  # type: ignore[method-assign]


async def client(endpoints: list[str], headers: dict[str, str], seconds: float) -> dict[str, Any]:
    """Open one viewer per endpoint, count for `seconds` after a warm-up, close them all."""
    import httpx
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    _install_counter()
    pcs: list[tuple[RTCPeerConnection, str | None]] = []
    failed = 0
    async with httpx.AsyncClient(timeout=60, headers=headers) as http:
        for endpoint in endpoints:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            pc.addTransceiver("video", direction="recvonly")
            await pc.setLocalDescription(await pc.createOffer())
            r = await http.post(
                endpoint,
                content=pc.localDescription.sdp.encode(),
                headers={"Content-Type": "application/sdp"},
            )
            if r.status_code != 201:
                failed += 1
                await pc.close()
                continue
            await pc.setRemoteDescription(RTCSessionDescription(r.text, "answer"))
            pcs.append((pc, str(httpx.URL(endpoint).join(r.headers["location"]))))
        await asyncio.sleep(WARMUP_S)
        before = {k: list(v) for k, v in _counts.items()}
        t0, wall0 = time.monotonic(), time.time()
        await asyncio.sleep(seconds)
        window, wall1 = time.monotonic() - t0, time.time()
        after = {k: list(v) for k, v in _counts.items()}
        for pc, location in pcs:
            if location:
                try:
                    await http.delete(location)
                except httpx.HTTPError:
                    pass
            await pc.close()
    frames, packets, lost, octets = [], 0, 0, 0
    for key, a in after.items():
        b = before.get(key, [0, 0, -1, 0, 0])
        frames.append(a[1] - b[1])
        packets += a[0] - b[0]
        lost += a[3] - b[3]
        octets += a[4] - b[4]
    frames += [0] * (len(pcs) - len(frames))  # connected viewers that never got a packet
    return {
        "viewers": len(pcs),
        "refused": failed,
        "window": window,
        "from": wall0,
        "to": wall1,
        "frames": frames,
        "packets": packets,
        "lost": lost,
        "bytes": octets,
    }


def run_step(rig: Rig, server: Server, viewers: int, seconds: float) -> dict[str, Any]:
    pid = rig.pids[server]
    cameras = rig.cameras
    endpoints = [rig.endpoint(server, 1 + i % cameras) for i in range(viewers)]
    procs = []
    for start in range(0, viewers, PER_CLIENT):
        args = [sys.executable, "-m", "bench.whep_capacity", "--client", "--seconds", str(seconds)]
        args += ["--headers", json.dumps(rig.headers), *endpoints[start : start + PER_CLIENT]]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
    # sample the server's CPU until the clients end, then take it over the span in which every
    # client was counting (they open their viewers one by one, then warm up)
    samples: list[tuple[float, float]] = []
    while any(p.poll() is None for p in procs):
        samples.append((time.time(), cpu_seconds(pid)))
        time.sleep(0.25)
    results = []
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 300)
        results.append(json.loads(out.strip().splitlines()[-1]))
    start = max(r["from"] for r in results)
    end = min(r["to"] for r in results)
    inside = [(t, c) for t, c in samples if start <= t <= end]
    if end - start < 1.0 or len(inside) < 2:
        cores = float("nan")  # the clients' windows did not overlap: no figure
    else:
        cores = (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
    frames = [f for r in results for f in r["frames"]]
    window = min(r["window"] for r in results)
    expected = FPS * window
    worst = min(frames) / expected if frames else 0.0
    packets = sum(r["packets"] for r in results)
    lost = sum(r["lost"] for r in results)
    streams = max(1, len(frames))
    return {
        "viewers": sum(r["viewers"] for r in results),
        "refused": sum(r["refused"] for r in results),
        "cores": cores,
        "worst_frames": worst,
        "mean_frames": (sum(frames) / len(frames) / expected) if frames else 0.0,
        "seq_loss": lost / max(1, packets + lost),
        "pps": packets / window / streams,
        "kbps": sum(r["bytes"] for r in results) * 8 / 1000 / window / streams,
    }


def idle_cores(pid: int, seconds: float = 5.0) -> float:
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--headers", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument(
        "--grain",
        type=int,
        default=24,
        help="camsim picture noise (default 24: the stream reaches ~1 Mbit/s; 0: flat pictures)",
    )
    parser.add_argument("--steps", default="25,50,100")
    parser.add_argument("--stock-steps", default="5,25,50", help="steps of stock pass-through")
    parser.add_argument("--reencode-steps", default="1,2,4", help="steps of stock re-encode")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--server-root", type=Path, help="run our server from this checkout")
    parser.add_argument("endpoints", nargs="*")
    args = parser.parse_args()
    if args.client:
        result = asyncio.run(client(args.endpoints, json.loads(args.headers), args.seconds))
        print(json.dumps(result), flush=True)
        return
    plan: dict[Server, list[int]] = {
        "ours": [int(n) for n in args.steps.split(",")],
        "stock-passthrough": [int(n) for n in args.stock_steps.split(",")],
        "stock-reencode": [int(n) for n in args.reencode_steps.split(",")],
    }
    servers: tuple[Server, ...] = tuple(args.servers.split(","))
    rows = []
    with Rig(
        cameras=args.cameras, grain=args.grain, servers=servers, server_root=args.server_root
    ) as rig:
        for server in servers:
            steps = plan[server]
            idle = idle_cores(rig.pids[server])
            for n in steps:
                r = run_step(rig, server, n, args.seconds)
                ok = r["worst_frames"] >= 0.99 and r["seq_loss"] < 0.01 and r["refused"] == 0
                per = (r["cores"] - idle) / max(1, r["viewers"])
                rows.append((server, n, idle, r, per, ok))
                print(f"  {server} {n}: {json.dumps(r)} pass={ok}", flush=True)
                if not ok:
                    break
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {machine()}, {args.cameras} cameras, "
        f"grain {args.grain}, {VMS}"
    )
    print(
        "| server | viewer streams | server cores (idle) | CPU ms/s per stream | "
        "streams/core (extrapolated) | worst viewer frames | seq loss | < 1% lost | "
        "RTP packets/s, kbit/s per stream |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for server, n, idle, r, per, ok in rows:
        per_core = "-" if per <= 0 else f"{math.floor(1 / per)}"
        print(
            f"| {server} | {r['viewers']}/{n} | {r['cores']:.2f} ({idle:.2f}) | "
            f"{per * 1000:.1f} | {per_core} | {r['worst_frames']:.1%} | "
            f"{r['seq_loss']:.2%} | {'yes' if ok else 'no'} | {r['pps']:.0f}, {r['kbps']:.0f} |"
        )


if __name__ == "__main__":
    main()
