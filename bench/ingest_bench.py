"""Ingest benchmark: N simulated cameras pulled by the ingest supervisor, CPU and memory per stream.

The simulator runs in its own process (`vms camsim`), the ingest supervisor + frame bus (one
trivial subscriber per stream) in another (this file with `--child`), so their costs are
measured apart from /proc. Prints a markdown table and, with --record, writes it into
docs/BENCHMARKS.md under "## Ingest".

    python bench/ingest_bench.py --counts 10,100,300 --seconds 60 --record
    python bench/ingest_bench.py --counts 100,300 --shards 0,4   # in process vs sharded

With `--shards` > 0 the ingest process pulls through shard child processes
(`ingest.shards`); CPU and memory are then summed over the ingest process and its children.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLK_TCK = os.sysconf("SC_CLK_TCK")
VMS = str(Path(sys.executable).with_name("vms"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the ingest shards)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in process_tree(pid):
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def tree_memory_kib(pid: int) -> tuple[int, int | None]:
    """(RSS, PSS) in KiB summed over `pid` and its descendants; RSS counts shared pages twice."""
    rss_total, pss_total = 0, 0
    for p in process_tree(pid):
        try:
            rss, pss = memory_kib(p)
        except OSError:
            continue
        rss_total += rss
        pss_total = pss_total + pss if pss is not None and pss_total is not None else None
    return rss_total, pss_total


def memory_kib(pid: int) -> tuple[int, int | None]:
    """(RSS, PSS) in KiB."""
    rss = pss = None
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    if rss is None:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss or 0, pss


# --- the ingest process ------------------------------------------------------------------


async def child(port: int, n: int, shards: int, per_shard: int) -> None:
    from ingest.config import IngestConfig
    from ingest.frame_bus import FrameBus
    from ingest.health import HealthRegistry, StreamState
    from ingest.packet import StreamKey
    from ingest.spec import StreamSpec
    from ingest.supervisor import IngestSupervisor

    config = IngestConfig(
        connect_timeout_s=20,
        stall_timeout_s=20,
        shards=shards,
        streams_per_shard=per_shard,
        camera_networks=["127.0.0.0/8"],
    )
    bus = FrameBus()
    health = HealthRegistry()
    sup = IngestSupervisor(config, bus, health)
    await sup.start()
    specs = [
        StreamSpec(StreamKey(i, "main"), f"rtsp://127.0.0.1:{port}/cam/{i}/main")
        for i in range(1, n + 1)
    ]
    received = [0]

    async def consume(key: StreamKey) -> None:
        sub = bus.channel(key).subscribe()
        async for _packet in sub:
            received[0] += 1

    tasks = [asyncio.create_task(consume(s.key)) for s in specs]
    await sup.apply(specs)
    try:
        while True:
            await asyncio.sleep(1)
            online = sum(1 for h in health.all() if h.state == StreamState.ONLINE)
            drops = sum(ch.dropped_total for ch in bus)
            print(
                json.dumps(
                    {
                        "online": online,
                        "received": received[0],
                        "drops": drops,
                        "t": time.monotonic(),  # CLOCK_MONOTONIC: the driver's clock too
                    }
                ),
                flush=True,
            )
    finally:
        for t in tasks:
            t.cancel()
        await sup.stop()


# --- the driver --------------------------------------------------------------------------


def run_one(
    n: int, seconds: float, warmup_s: float, shards: int = 0, per_shard: int = 25
) -> dict[str, object]:
    port = free_port()
    sim = subprocess.Popen(
        [VMS, "camsim", "--cameras", str(n), "--port", str(port),
         "--size", "1280x720", "--fps", "15", "--gop", "1", "--bitrate", "2000",
         "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    ing: subprocess.Popen[str] | None = None
    try:
        deadline = time.monotonic() + 600  # first run encodes the loops
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if sim.poll() is not None:
                raise RuntimeError("simulator exited")
            time.sleep(0.5)
        ing = subprocess.Popen(
            [sys.executable, __file__, "--child", str(port), str(n), str(shards), str(per_shard)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert ing.stdout is not None
        last: dict[str, float] = {}
        start_wait = time.monotonic()
        for line in ing.stdout:
            last = json.loads(line)
            if last["online"] == n or time.monotonic() - start_wait > 120:
                break
        time_to_online = time.monotonic() - start_wait
        time.sleep(warmup_s)
        c0, s0, t0 = tree_cpu_seconds(ing.pid), cpu_seconds(sim.pid), time.monotonic()
        end = t0 + seconds
        min_online = n
        base: dict[str, float] | None = None  # the first report of the window (lines queue up)
        for line in ing.stdout:
            last = json.loads(line)
            if last["t"] < t0:
                continue
            base = base or last
            min_online = min(min_online, last["online"])
            if last["t"] >= end:
                break
        c1, s1, t1 = tree_cpu_seconds(ing.pid), cpu_seconds(sim.pid), time.monotonic()
        rss, pss = tree_memory_kib(ing.pid)
        processes = len(process_tree(ing.pid))
        elapsed = t1 - t0
        return {
            "n": n,
            "shards": shards,
            "processes": processes,
            "seconds": round(elapsed, 1),
            "online_min": min_online,
            "time_to_online_s": round(time_to_online, 1),
            "server_cpu_cores": round((c1 - c0) / elapsed, 3),
            "server_cpu_pct_per_stream": round(100 * (c1 - c0) / elapsed / n, 3),
            "server_rss_mib": round(rss / 1024, 1),
            "server_rss_mib_per_stream": round(rss / 1024 / n, 2),
            "server_pss_mib_per_stream": round(pss / 1024 / n, 2) if pss else None,
            "packets_per_s": round(
                (last["received"] - base["received"]) / max(1e-9, last["t"] - base["t"])
            )
            if base
            else 0,
            "packets_per_s_expected": 15 * n,
            "drops": last["drops"],
            "sim_cpu_cores": round((s1 - s0) / elapsed, 3),
        }
    finally:
        for proc in (ing, sim):
            if proc is not None:
                proc.terminate()
        for proc in (ing, sim):
            if proc is not None:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| streams | shards | all online | server CPU (cores) | CPU %/stream | RSS MiB | "
        "RSS MiB/stream | PSS MiB/stream | packets/s | drops | simulator CPU (cores) |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        online = "yes" if r["online_min"] == r["n"] else f"no (min {r['online_min']})"
        lines.append(
            f"| {r['n']} | {r['shards']} | {online} "
            f"| {r['server_cpu_cores']} | {r['server_cpu_pct_per_stream']} "
            f"| {r['server_rss_mib']} | {r['server_rss_mib_per_stream']} "
            f"| {r['server_pss_mib_per_stream']} | {r['packets_per_s']} | {r['drops']} "
            f"| {r['sim_cpu_cores']} |"
        )
    return "\n".join(lines)


def record(rows: list[dict[str, object]], seconds: float) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    cpu = f"{os.cpu_count()} CPUs"
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    section = (
        "## Ingest\n\n"
        f"`python bench/ingest_bench.py` on {time.strftime('%Y-%m-%d')}, {platform.node()}: "
        f"{model} ({cpu}), Python {platform.python_version()}. Each camera: 1280x720 H.264, "
        f"2 Mbit/s, 15 fps, GOP 1 s, RTSP/TCP from `vms camsim` (its own process); the ingest "
        f"process runs the supervisor and the frame bus with one subscriber per stream. "
        f"Measured over {seconds:.0f} s after all streams were online. Target: 300 streams "
        "under one core and under 10 MB per stream.\n\n" + table(rows) + "\n"
    )
    pattern = re.compile(r"## Ingest\n.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text)


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        asyncio.run(child(*(int(a) for a in sys.argv[2:6])))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--counts", default="10,100,300", help="camera counts, comma-separated")
    p.add_argument("--seconds", type=float, default=60.0, help="measurement window per count")
    p.add_argument("--warmup", type=float, default=5.0, help="wait after all are online")
    p.add_argument(
        "--shards", default="0", help="ingest.shards values, comma-separated (0: in process)"
    )
    p.add_argument(
        "--per-shard", type=int, default=25, help="ingest.streams_per_shard (default 25)"
    )
    p.add_argument("--record", action="store_true", help="write docs/BENCHMARKS.md")
    args = p.parse_args()
    rows = []
    for n in (int(x) for x in args.counts.split(",")):
        for shards in (int(x) for x in args.shards.split(",")):
            row = run_one(n, args.seconds, args.warmup, shards, args.per_shard)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(table(rows))
    if args.record:
        record(rows, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
