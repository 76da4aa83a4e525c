"""Latency added by the server: when a viewer decodes a picture vs when the simulator sent it.

The simulator draws each loop frame's index into the picture (camsim.framecode) and publishes
when it sent each index (control port, `/cameras/1/schedule`). A viewer decodes pictures and
reads the index; latency = the time the viewer held the whole encoded picture (its last RTP
packet, before aiortc's jitter buffer, which holds every picture until the next one starts,
i.e. one frame interval, in any WebRTC path) - the latest send time of that index.
Measured, one after another in one run under the same load, for:

* direct: PyAV reading the RTSP stream itself (no server): the floor of RTSP + decode;
* ours (sim → ingest → bus → relay → aiortc viewer), stock re-encode, stock pass-through.

"Added by the server" is each server's figure minus the direct one. A load generator
(`--load 0.7`: one process per core, busy `duty` of every 10 ms) keeps the machine busy; the
machine's measured CPU use over each phase (/proc/stat) is printed beside the figures.

    python -m bench.whep_latency --seconds 20 --load 0.7
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from pathlib import Path

import av
import httpx
import numpy as np

from bench.whep_rig import SERVERS, Rig, machine, percentile
from camsim.framecode import Image, read_index
from tests.relay.whep_client import WhepClient

Sample = tuple[int, float]  # (frame index, wall-clock time the viewer had the whole picture)
WARMUP_S = 2.0


def burn(duty: float, stop: multiprocessing.synchronize.Event) -> None:
    """Keep one core `duty` busy: spin for duty x 10 ms, sleep the rest, until `stop`."""
    period = 0.010
    while not stop.is_set():
        start = time.perf_counter()
        while time.perf_counter() - start < duty * period:
            pass
        time.sleep(period * (1 - duty))


def rgb(frame: av.VideoFrame) -> Image:
    """The picture as 8-bit RGB, for reading the frame code."""
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class SendLog:
    """Every send time of every loop index, polled from the simulator while a phase runs."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.sends: dict[int, set[float]] = defaultdict(set)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> SendLog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._collect()

    def _collect(self) -> None:
        for index, sent in enumerate(self.rig.schedule(1)):
            if sent is not None:
                self.sends[index].add(sent)

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            self._collect()

    def latencies_ms(self, samples: list[Sample]) -> tuple[list[float], int]:
        """Latency of each sample whose send was seen; and how many could not be matched."""
        out, unmatched = [], 0
        for index, decoded in samples:
            before = [s for s in self.sends.get(index, ()) if s <= decoded]
            if not before:
                unmatched += 1
                continue
            out.append((decoded - max(before)) * 1000.0)
        return out, unmatched


def read_direct(url: str, seconds: float) -> list[Sample]:
    """Read the RTSP stream with PyAV, no server in between: time each picture is demuxed."""
    samples: list[Sample] = []
    options = {"rtsp_transport": "tcp", "fflags": "nobuffer", "flags": "low_delay"}
    with av.open(url, options=options, timeout=10) as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"  # frame threading would hold pictures back
        end = time.monotonic() + seconds + WARMUP_S
        start = time.monotonic()
        for packet in container.demux(stream):
            got = time.time()
            for frame in packet.decode():
                index = read_index(rgb(frame))
                if index is not None and time.monotonic() - start > WARMUP_S:
                    samples.append((index, got))
            if time.monotonic() > end:
                break
    return samples


_complete_at: dict[int, float] = {}  # RTP timestamp -> when its last packet (marker) arrived


def _install_arrival_log() -> None:
    """Note when each picture's last RTP packet reaches the viewer, before aiortc's jitter
    buffer (which holds a picture until the next one starts) and the decoder."""
    from aiortc.rtcrtpreceiver import RTCRtpReceiver
    from aiortc.rtp import RtpPacket

    original = RTCRtpReceiver._handle_rtp_packet

    async def logged(self: RTCRtpReceiver, packet: RtpPacket, arrival_time_ms: int) -> None:
        if packet.marker:
            _complete_at[packet.timestamp] = time.time()
            if len(_complete_at) > 10_000:
                _complete_at.clear()
        await original(self, packet, arrival_time_ms)

    RTCRtpReceiver._handle_rtp_packet = logged  # type: ignore[method-assign]


def rtp_timestamp(client: WhepClient, pts: int) -> int:
    """The RTP timestamp of a decoded picture (aiortc counts pts from the first one)."""
    receiver = client.pc.getTransceivers()[0].receiver
    private = "_RTCRtpReceiver__timestamp_mapper"  # aiortc keeps the mapper private
    mapper = getattr(receiver, private)
    origin = mapper._origin
    return (pts + (origin or 0)) & 0xFFFFFFFF


async def read_whep(endpoint: str, headers: dict[str, str], seconds: float) -> list[Sample]:
    """Watch over WHEP: for each decoded picture, the time its last RTP packet arrived."""
    samples: list[Sample] = []
    async with httpx.AsyncClient(timeout=20, headers=headers) as http:
        client = WhepClient(endpoint, http)
        try:
            await client.start()
            # pictures that arrive in the first WARMUP_S include the cached GOP sent at once
            # for the instant start: old by design, not latency
            since = time.time() + WARMUP_S
            end = time.monotonic() + WARMUP_S + seconds
            while time.monotonic() < end:
                frame = await client.frame(10)
                got = _complete_at.get(rtp_timestamp(client, int(frame.pts or 0)))
                index = read_index(rgb(frame))
                if index is not None and got is not None and got >= since:
                    samples.append((index, got))
        finally:
            await client.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--load", type=float, default=0.7, help="duty of each load process")
    args = parser.parse_args()
    _install_arrival_log()
    stop = multiprocessing.Event()
    burners = [
        multiprocessing.Process(target=burn, args=(args.load, stop), daemon=True)
        for _ in range(os.cpu_count() or 1)
    ]
    rows = []
    with Rig(cameras=1) as rig:
        for p in burners:
            p.start()
        try:
            time.sleep(2)
            for name in ("direct", *SERVERS):
                busy0, total0 = machine_busy()
                with SendLog(rig) as log:
                    if name == "direct":
                        samples = read_direct(rig.sim_url(1), args.seconds)
                    else:
                        samples = asyncio.run(
                            read_whep(rig.endpoint(name), rig.headers, args.seconds)  # type: ignore[arg-type]
                        )
                busy1, total1 = machine_busy()
                ms, unmatched = log.latencies_ms(samples)
                cpu = (busy1 - busy0) / max(1, total1 - total0) * 100
                rows.append((name, ms, unmatched, cpu))
                print(f"  {name}: {len(ms)} pictures, machine CPU {cpu:.0f}%", flush=True)
        finally:
            stop.set()
            for p in burners:
                p.join(5)
    direct = percentile(rows[0][1], 50) if rows[0][1] else 0.0
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine()}, load {args.load:.0%} per core")
    print("| path | pictures | p50 ms | p99 ms | p50 added vs direct ms | machine CPU % |")
    print("|---|---|---|---|---|---|")
    for name, ms, unmatched, cpu in rows:
        if not ms:
            print(f"| {name} | 0 ({unmatched} unmatched) | - | - | - | {cpu:.0f} |")
            continue
        p50, p99 = percentile(ms, 50), percentile(ms, 99)
        added = "-" if name == "direct" else f"{p50 - direct:.1f}"
        print(f"| {name} | {len(ms)} | {p50:.1f} | {p99:.1f} | {added} | {cpu:.0f} |")


if __name__ == "__main__":
    main()
