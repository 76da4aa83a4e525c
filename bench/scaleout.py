"""One site on many processes: `vms serve --workers 2` against one process, failover time
over repeated kill -9, and the Redis operations a site costs (counted, not guessed).

Real parts: PostgreSQL (a throwaway schema), a redis-server of our own on a free port (so its
command counters are ours alone), the simulator in this process, `vms serve` children.

* capacity: the same cameras ingested (every camera pulled, main stream) by one `vms serve`
  and by `vms serve --workers 2`; server CPU (every process of the server and its ingest
  shards, from /proc) with no viewer, then with `--viewers` WHEP viewers (bench.whep_capacity's
  counting clients, in their own processes) on the one address (the workers' shared port);
* redis: commands Redis processed per second at steady state (INFO commandstats);
* failover: three nodes; kill -9 one, time until all its cameras are online elsewhere, start
  it again, wait for the leases to rebalance; `--kills` times.

    python -m bench.scaleout --cameras 40 --viewers 100 --seconds 20 --kills 10
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.whep_rig import cpu_seconds, machine  # noqa: E402
from camsim import SimConfig, SimulatorThread  # noqa: E402
from tests.conftest import POSTGRES_ADMIN_URL, free_port  # noqa: E402
from tests.site.cluster import Node, RedisServer, owners, seed, site_name, token  # noqa: E402
from vms.credentials.keys import ENV_VAR, new_key, new_key_id  # noqa: E402

FPS = 15
# one bench user opens every viewer from one address: lift the per-user and per-address caps
CAPS = {"VMS_RELAY__MAX_SESSIONS_PER_USER": "2000", "VMS_RELAY__MAX_SESSIONS_PER_ADDRESS": "2000"}


def _children(pid: int) -> list[int]:
    """`pid` and every descendant, from /proc."""
    parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parent.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parent.get(p, []))
    return out


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def cores_over(root_pid: int, seconds: float) -> float:
    pids = _children(root_pid)
    c0, t0 = _cpu(pids), time.monotonic()
    time.sleep(seconds)
    return (_cpu(pids) - c0) / (time.monotonic() - t0)


@contextmanager
def schema() -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _online(base: str, auth: dict[str, str], camera: int) -> bool:
    try:
        r = httpx.get(f"{base}/api/v1/cameras/{camera}/status", headers=auth, timeout=5)
    except httpx.TransportError:
        return False
    return r.status_code == 200 and r.json()["streams"]["main"]["state"] == "online"


def wait_all_online(base: str, auth: dict[str, str], cameras: list[int], limit: float) -> float:
    started = time.monotonic()
    pending = list(cameras)
    while pending:
        pending = [c for c in pending if not _online(base, auth, c)]
        if time.monotonic() - started > limit:
            raise TimeoutError(f"{len(pending)} cameras not online after {limit:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def redis_commands(rds: RedisServer) -> int:
    client = rds.client()
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


def viewers(
    base: str, auth: dict[str, str], cameras: list[int], n: int, seconds: float, root_pid: int
) -> dict[str, Any]:
    """`n` counting viewers spread over `cameras` at `base`; server cores meanwhile."""
    endpoints = [
        f"{base}/api/v1/cameras/{cameras[i % len(cameras)]}/whep?stream=main" for i in range(n)
    ]
    procs = []
    for start in range(0, n, 25):
        args = [
            sys.executable,
            "-m",
            "bench.whep_capacity",
            "--client",
            "--seconds",
            str(seconds),
            "--headers",
            json.dumps(auth),
            *endpoints[start : start + 25],
        ]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    samples: list[tuple[float, float]] = []
    pids = _children(root_pid)
    while any(p.poll() is None for p in procs):
        samples.append((time.time(), _cpu(pids)))
        time.sleep(0.25)
    results = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in procs]
    start, end = max(r["from"] for r in results), min(r["to"] for r in results)
    inside = [(t, c) for t, c in samples if start <= t <= end]
    cores = (
        (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
        if len(inside) > 1
        else float("nan")
    )
    frames = [f for r in results for f in r["frames"]]
    window = min(r["window"] for r in results)
    packets = sum(r["packets"] for r in results)
    lost = sum(r["lost"] for r in results)
    return {
        "viewers": sum(r["viewers"] for r in results),
        "refused": sum(r["refused"] for r in results),
        "cores": round(cores, 3),
        "worst_frames": round(min(frames) / (FPS * window), 3) if frames else 0.0,
        "seq_loss": round(lost / max(1, packets + lost), 4),
    }


def capacity(
    url: str,
    rds: RedisServer,
    cameras: list[int],
    workers: int,
    n_viewers: int,
    seconds: float,
    logdir: Path,
) -> dict[str, Any]:
    """One configuration: 1 process (`workers` = 1) or `vms serve --workers N`."""
    site = site_name()
    if workers == 1:
        node = Node(url, rds.url, site, logdir, CAPS)
        node.start()
        assert node.proc is not None
        root, base, stop = node.proc.pid, node.base, node.stop
    else:
        port = free_port()
        env = Node(url, rds.url, site, logdir, CAPS).env()
        cmd = [
            sys.executable,
            "-m",
            "vms.cli",
            "serve",
            "--workers",
            str(workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        root, base = proc.pid, f"http://127.0.0.1:{port}"

        def stop() -> None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.3)
    try:
        auth = token(base)
        took = wait_all_online(base, auth, cameras, 120)
        time.sleep(3)
        r0, t0 = redis_commands(rds), time.monotonic()
        ingest = cores_over(root, seconds)
        redis_rate = (redis_commands(rds) - r0) / (time.monotonic() - t0)
        view = viewers(base, auth, cameras, n_viewers, seconds, root) if n_viewers else {}
        return {
            "workers": workers,
            "cameras": len(cameras),
            "online_after_s": round(took, 1),
            "ingest_cores": round(ingest, 3),
            "ingest_ms_per_stream_s": round(1000 * ingest / len(cameras), 2),
            "redis_commands_per_s": round(redis_rate, 1),
            **{f"view_{k}": v for k, v in view.items()},
        }
    finally:
        stop()


def failover(
    url: str, rds: RedisServer, cameras: list[int], kills: int, logdir: Path
) -> dict[str, Any]:
    site = site_name()
    nodes = [Node(url, rds.url, site, logdir, CAPS) for _ in range(3)]
    for n in nodes:
        n.start()
    auth = token(nodes[0].base)
    client = rds.client()
    times: list[float] = []
    moved_back: list[int] = []
    try:

        def spread() -> Counter[str]:
            return Counter(owners(client, site, cameras).values())

        def wait_balanced(limit: float = 60) -> None:
            deadline = time.monotonic() + limit
            share = len(cameras) / 3
            while True:
                c = spread()
                if (
                    len(c) == 3
                    and sum(c.values()) == len(cameras)
                    and all(0.8 * share <= v <= 1.2 * share for v in c.values())
                ):
                    return
                assert time.monotonic() < deadline, f"not balanced: {c}"
                time.sleep(0.25)

        wait_balanced()
        wait_all_online(nodes[0].base, auth, cameras, 120)
        for k in range(kills):
            victim = nodes[k % 3]
            alive = [n for n in nodes if n is not victim]
            theirs = [c for c, n in owners(client, site, cameras).items() if n == victim.name]
            victim.kill9()
            t0 = time.monotonic()
            pending = set(theirs)  # each camera polled until seen online on a survivor
            while True:
                held = owners(client, site, theirs)
                for c in [c for c in pending if held.get(c) in {n.name for n in alive}]:
                    if _online(alive[0].base, auth, c):
                        pending.discard(c)
                if not pending:
                    break
                assert time.monotonic() - t0 < 60, "failover did not finish"
                time.sleep(0.1)
            times.append(time.monotonic() - t0)
            before = owners(client, site, cameras)
            victim.start()
            wait_balanced()
            time.sleep(3)
            after = owners(client, site, cameras)
            moved_back.append(sum(1 for c in cameras if before.get(c) != after.get(c)))
            wait_all_online(alive[0].base, auth, cameras, 120)
            print(
                f"kill {k + 1}: {len(theirs)} cameras online elsewhere after {times[-1]:.2f} s; "
                f"restart moved {moved_back[-1]}",
                flush=True,
            )
    finally:
        client.close()
        for n in nodes:
            n.stop()
    return {
        "kills": kills,
        "failover_p50_s": round(statistics.median(times), 2),
        "failover_max_s": round(max(times), 2),
        "failover_all_s": [round(t, 2) for t in times],
        "rebalance_moved": moved_back,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=40)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--skip", choices=["capacity", "failover"], action="append", default=[])
    args = parser.parse_args()
    print(f"machine: {machine()}, load average {os.getloadavg()}", flush=True)
    # the nodes seal camera credentials: a throwaway key for this run, inherited by every child
    os.environ.setdefault(ENV_VAR, f"{new_key_id()}:{base64.urlsafe_b64encode(new_key()).decode()}")
    sim = SimulatorThread(
        SimConfig(
            cameras=args.cameras,
            width=640,
            height=360,
            fps=FPS,
            bitrate_kbps=1000,
            grain=24,
            port=0,
        )
    )
    sim.start()
    logdir = Path(tempfile.mkdtemp(prefix="scaleout-"))
    rds = RedisServer(logdir)
    rds.start()
    try:
        with schema() as url:
            ids = seed(url, [sim.url(n, "main") for n in range(1, args.cameras + 1)])
            cams = ids["cameras"]
            if "capacity" not in args.skip:
                for workers in (1, 2):
                    row = capacity(url, rds, cams, workers, args.viewers, args.seconds, logdir)
                    print(json.dumps(row), flush=True)
            if "failover" not in args.skip:
                print(json.dumps(failover(url, rds, cams, args.kills, logdir)), flush=True)
    finally:
        rds.stop()
        sim.stop()


if __name__ == "__main__":
    main()
