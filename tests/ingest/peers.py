"""Independent stream sources for the ingest tests: FFmpeg (HLS, RTMP, SRT) and small HTTP servers.

Every peer binds 127.0.0.1 on a free port, is bounded in time and is stopped by its owner.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

FFMPEG = "/usr/bin/ffmpeg"
BOUNDARY = "camframe"


def encode_file(path: Path, codec: str, size: str, seconds: float, fps: int = 15) -> Path:
    """A test-pattern video (`libx264`/`libx265`, one keyframe a second, no B-frames)."""
    encoder = {"h264": "libx264", "hevc": "libx265"}[codec]
    extra = ["-x265-params", "log-level=none:bframes=0"] if codec == "hevc" else ["-bf", "0"]
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={size}:rate={fps}", "-t", str(seconds), "-c:v", encoder,
         "-g", str(fps), "-pix_fmt", "yuv420p", *extra, str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


@contextmanager
def ffmpeg(args: Sequence[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run /usr/bin/ffmpeg with `args` until the block ends (stderr to `log`)."""
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [FFMPEG, "-hide_banner", "-loglevel", "warning", "-nostdin", *args],
            stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler] | partial[BaseHTTPRequestHandler]) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 in a thread; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class QuietFiles(SimpleHTTPRequestHandler):
    """Static files (the HLS playlist and segments) without request logging."""

    extensions_map: ClassVar[dict[str, str]] = {
        ".m3u8": "application/vnd.apple.mpegurl",
        ".ts": "video/mp2t",
        "": "",
    }

    def log_message(self, *_args: object) -> None:
        pass


def serve_dir(root: Path) -> partial[BaseHTTPRequestHandler]:
    return partial(QuietFiles, directory=str(root))  # type: ignore[return-value]


class MjpegHandler(BaseHTTPRequestHandler):
    """multipart/x-mixed-replace JPEGs as IP cameras serve them; subclass to set `frames`."""

    frames: Sequence[bytes] = ()
    fps = 10.0
    seconds = 60.0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        end = time.monotonic() + self.seconds
        i = 0
        try:
            while time.monotonic() < end:
                jpeg = self.frames[i % len(self.frames)]
                self.wfile.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                    + jpeg
                    + b"\r\n"
                )
                self.wfile.flush()
                i += 1
                time.sleep(1 / self.fps)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *_args: object) -> None:
        pass


def wait_for(path: Path, predicate: str, within_s: float = 30.0) -> None:
    """Wait until `path` exists and its text contains `predicate` (blocking; small files)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if path.exists() and path.read_text(errors="replace").count(predicate) >= 1:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path.name} never contained {predicate!r}")
