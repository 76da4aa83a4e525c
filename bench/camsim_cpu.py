"""Benchmark: CPU of `vms camsim` serving N cameras to N clients (one per camera's main stream).

Starts the simulator as a separate process (720p, 2 Mbit/s, 15 fps, GOP 1 s by default),
connects N cheap raw RTSP/TCP readers (DESCRIBE, SETUP interleaved, PLAY, then count bytes;
no demuxing, no decoding), waits for the streams to settle, then reads the simulator's
utime+stime from /proc/<pid>/stat over a measurement window.

    python bench/camsim_cpu.py --cameras 200 [--seconds 20] [--size 1280x720 --bitrate 2000]

Prints one JSON object: cpu_cores (1.0 = one core busy), per-client throughput, and more.
The first run encodes every loop (minutes at 720p); later runs read them from the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Reader(asyncio.Protocol):
    """Plays one stream over RTSP/TCP and counts the bytes that follow PLAY's answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.step = 0
        self.buffer = b""
        self.bytes = 0
        self.playing = asyncio.get_running_loop().create_future()
        self.session = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send("DESCRIBE", self.url, "Accept: application/sdp\r\n")

    def send(self, method: str, url: str, extra: str = "") -> None:
        self.step += 1
        session = f"Session: {self.session}\r\n" if self.session else ""
        self.transport.write(
            f"{method} {url} RTSP/1.0\r\nCSeq: {self.step}\r\n{session}{extra}\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        if self.playing.done():
            self.bytes += len(data)
            return
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
            )
            length = int(headers.get("Content-Length", "0"))
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            if not head.startswith(b"RTSP/1.0 200"):
                self.playing.set_exception(RuntimeError(head.decode().splitlines()[0]))
                return
            if self.step == 1:
                self.send(
                    "SETUP", f"{self.url}/trackID=0", "Transport: RTP/AVP/TCP;interleaved=0-1\r\n"
                )
            elif self.step == 2:
                self.session = headers["Session"].split(";")[0]
                self.send("PLAY", self.url)
            else:
                self.playing.set_result(None)
                self.bytes += len(self.buffer)
                self.buffer = b""
                return


async def pull_all(port: int, cameras: int, warmup: float, seconds: float, pid: int) -> dict:
    loop = asyncio.get_running_loop()
    readers = []
    for n in range(1, cameras + 1):
        url = f"rtsp://127.0.0.1:{port}/cam/{n}/main"
        _, reader = await loop.create_connection(lambda url=url: Reader(url), "127.0.0.1", port)
        readers.append(reader)
    await asyncio.wait_for(asyncio.gather(*(r.playing for r in readers)), 60)
    await asyncio.sleep(warmup)
    start_bytes = sum(r.bytes for r in readers)
    start_cpu, start_wall = cpu_seconds(pid), time.monotonic()
    own_start = time.process_time()
    await asyncio.sleep(seconds)
    cpu, wall = cpu_seconds(pid) - start_cpu, time.monotonic() - start_wall
    received = sum(r.bytes for r in readers) - start_bytes
    starved = sum(1 for r in readers if r.bytes == 0)
    for r in readers:
        r.transport.close()
    return {
        "cameras": cameras,
        "clients": len(readers),
        "window_s": round(wall, 2),
        "cpu_cores": round(cpu / wall, 3),
        "reader_cpu_cores": round((time.process_time() - own_start) / wall, 3),
        "received_mbit_s_total": round(received * 8 / wall / 1e6, 1),
        "received_kbit_s_per_client": round(received * 8 / wall / 1e3 / len(readers), 1),
        "clients_without_data": starved,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cameras", type=int, default=200)
    p.add_argument("--size", default="1280x720")
    p.add_argument("--bitrate", type=int, default=2000)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--gop", type=float, default=1.0)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    port = free_port()
    vms = str(Path(sys.executable).with_name("vms"))
    cmd = [vms, "camsim", "--cameras", str(args.cameras), "--port", str(port)]
    cmd += ["--size", args.size, "--bitrate", str(args.bitrate), "--fps", str(args.fps)]
    cmd += ["--gop", str(args.gop), "--log-level", "WARNING"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            print(f"simulator did not start: {line!r}", file=sys.stderr)
            return 1
        ready_s = time.monotonic() - started
        result = asyncio.run(pull_all(port, args.cameras, args.warmup, args.seconds, proc.pid))
        result |= {
            "size": args.size,
            "bitrate_kbps": args.bitrate,
            "fps": args.fps,
            "gop_s": args.gop,
            "startup_s": round(ready_s, 1),
            "machine_cores": os.cpu_count(),
        }
        print(json.dumps(result, indent=2))
    finally:
        proc.terminate()
        proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
