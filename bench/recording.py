"""Benchmark: recording cost and playback start latency.

Part 1 (in process): N synthetic camera streams (real H.264, 1280x720 at ~2 Mbit/s, 15 fps,
GOP 1 s, encoded once) are published on a FrameBus at their real rate for `--seconds`, with
and without the recorder subscribed (SQLite index, segments in a temporary directory). The
CPU time of the process with the recorder minus without is the recorder's cost: streams
recorded per core. Also: bytes written per byte received.

Part 2 (HTTP on loopback): a real server with `--play-cameras` simulated RTSP cameras
recorded continuously; after `--warm` seconds, `--plays` requests of a 10 s fmp4 window at
random recorded start times; the time to the whole answer, p50/p95 (the window is built on
request: the last minute is never served from the cache).

    python bench/recording.py [--streams 50] [--seconds 20] [--plays 40]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av
import numpy as np
from sqlalchemy import create_engine

from ingest.frame_bus import FrameBus
from ingest.packet import EncodedPacket, StreamKey
from tests.fixtures_server import WallSite, default_specs
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.recording.config import RecordingConfig
from vms.recording.recorder import Recorder
from vms.recording.store import RecordingStore
from vms.recording.times import iso

FPS = 15


def _encode_2mbit(frames: int) -> list[tuple[bytes, bool]]:
    """720p noise-textured pictures at ~2 Mbit/s, 15 fps, a keyframe every second."""
    enc = av.CodecContext.create("libx264", "w")
    enc.width, enc.height, enc.pix_fmt = 1280, 720, "yuv420p"
    enc.time_base, enc.framerate = Fraction(1, FPS), Fraction(FPS, 1)
    enc.gop_size, enc.max_b_frames, enc.bit_rate = FPS, 0, 2_000_000
    enc.options = {"preset": "ultrafast", "tune": "zerolatency", "repeat-headers": "1"}
    rng = np.random.default_rng(1)
    base = rng.integers(100, 156, (720, 1280, 3), dtype=np.uint8)
    out: list[tuple[bytes, bool]] = []
    for i in range(frames):
        img = np.roll(base, i * 8, axis=1)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        out += [(bytes(p), p.is_keyframe) for p in enc.encode(frame)]
    out += [(bytes(p), p.is_keyframe) for p in enc.encode(None)]
    return out


def _seed(url: str, n: int) -> list[int]:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        with db.session() as s:
            agency = Agency(code="BENCH", kind="municipality", name_en="Bench")
            s.add(agency)
            s.flush()
            cams = [
                Camera(code=f"B{i}", agency_id=agency.id, name_en=f"b{i}", main_url="rtsp://x/")
                for i in range(n)
            ]
            s.add_all(cams)
            s.flush()
            return [c.id for c in cams]
    finally:
        db.dispose()


async def _publish(bus: FrameBus, keys: list[StreamKey], gop: list[tuple[bytes, bool]],
                   seconds: float) -> int:  # fmt: skip
    """Publish every stream at its real rate; returns bytes published."""
    start = time.monotonic()
    sent = 0
    frame = 0
    while True:
        due = start + frame / FPS
        now = time.monotonic()
        if now - start >= seconds:
            return sent
        if due > now:
            await asyncio.sleep(due - now)
        data, key = gop[frame % len(gop)]
        wall = time.time()
        for k in keys:
            bus.channel(k).publish(
                EncodedPacket(
                    data, frame * 6000, Fraction(1, 90_000), key, "h264", time.monotonic(), wall
                )
            )
            sent += len(data)
        frame += 1


async def _run_part(n: int, seconds: float, record: bool, gop: list[tuple[bytes, bool]],
                    tmp: Path) -> dict[str, float]:  # fmt: skip
    url = f"sqlite:///{tmp / f'bench-{record}.db'}"
    ids = _seed(url, n)
    db = Database(url)
    bus = FrameBus()
    keys = [StreamKey(i, "main") for i in ids]
    config = RecordingConfig.model_validate({"directory": str(tmp / f"rec-{record}")})
    recorder = Recorder(bus, RecordingStore(db, Path(config.directory)), config)
    if record:
        await recorder.apply(keys)
        await asyncio.sleep(0.5)
    cpu0 = time.process_time()
    sent = await _publish(bus, keys, gop, seconds)
    await asyncio.sleep(1.0)  # let the recorder write what is queued
    cpu = time.process_time() - cpu0
    streams = list(recorder.streams.values())
    overflows = sum(r.overflows for r in streams)
    await recorder.stop()  # closing writes the last part of every segment
    written = sum(r.segmenter.bytes_written for r in streams if r.segmenter is not None)
    db.dispose()
    return {"cpu_s": cpu, "sent": sent, "written": written, "overflows": overflows}


def _play_latency(cameras: int, warm: float, plays: int, tmp: Path) -> dict[str, Any]:
    settings = {"recording": {"continuous": "all", "segment_s": 10.0}}
    site = WallSite.open(tmp, default_specs(cameras), {"fps": FPS}, settings)
    try:
        time.sleep(warm)
        latencies: list[float] = []
        sizes: list[int] = []
        with site.server.client() as client:
            site.server.sign_in(client)
            began = datetime.now(UTC) - timedelta(seconds=warm - 12)
            for i in range(plays):
                cam = site.cameras[i % cameras]["id"]
                at = began + timedelta(seconds=random.uniform(0, warm - 25))
                params = {"start": iso(at), "duration_s": "10"}
                t0 = time.perf_counter()
                resp = client.get(f"/api/v1/cameras/{cam}/recordings/play", params=params)
                latencies.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200, resp.text
                sizes.append(len(resp.content))
        latencies.sort()
        return {
            "plays": plays,
            "window_s": 10,
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
            "mean_bytes": int(statistics.mean(sizes)),
        }
    finally:
        site.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--play-cameras", type=int, default=4)
    parser.add_argument("--warm", type=float, default=40.0)
    parser.add_argument("--plays", type=int, default=40)
    args = parser.parse_args()
    gop = _encode_2mbit(FPS * 2)
    bitrate = sum(len(d) for d, _ in gop) * 8 / 2 / 1e6
    with tempfile.TemporaryDirectory(prefix="vms-bench-rec-") as name:
        tmp = Path(name)
        base = asyncio.run(_run_part(args.streams, args.seconds, False, gop, tmp))
        rec = asyncio.run(_run_part(args.streams, args.seconds, True, gop, tmp))
        cores = max(1e-9, (rec["cpu_s"] - base["cpu_s"]) / args.seconds)
        (tmp / "play").mkdir()
        play = _play_latency(args.play_cameras, args.warm, args.plays, tmp / "play")
    print(
        json.dumps(
            {
                "streams": args.streams,
                "stream_mbit_s": round(bitrate, 2),
                "seconds": args.seconds,
                "recorder_cores": round(cores, 3),
                "streams_per_core": round(args.streams / cores, 1),
                "bytes_written_per_byte_received": round(rec["written"] / rec["sent"], 4),
                "overflow_packets": rec["overflows"],
                "publish_only_cores": round(base["cpu_s"] / args.seconds, 3),
                "playback": play,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
