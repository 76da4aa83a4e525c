"""Run Debian's ffprobe against an RTSP URL and return what it saw (or its error)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

FFPROBE = "/usr/bin/ffprobe"


@dataclass
class Probe:
    returncode: int
    streams: list[dict[str, object]]
    stderr: str


def ffprobe(url: str, transport: str = "tcp", timeout: float = 30.0) -> Probe:
    """ffprobe's view of the first video stream at `url` over `transport`."""
    args = [FFPROBE, "-v", "error", "-rtsp_transport", transport, "-timeout", "10000000"]
    args += ["-show_entries", "stream=codec_name,profile,width,height", "-of", "json", url]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    streams = json.loads(proc.stdout or "{}").get("streams", []) if proc.returncode == 0 else []
    return Probe(proc.returncode, streams, proc.stderr)
