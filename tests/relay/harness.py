"""A real server on a free port in a background thread, and a publisher feeding its bus.

Shared by the relay tests, the WHEP API tests and the benchmarks: uvicorn serves the real app
with real sockets; the publisher plays PyAV-encoded H.264 (or HEVC/MJPEG) packets into a bus
channel at the camera's frame rate from its own thread, the way an ingest worker hands them over.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
import httpx
import numpy as np
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.packet import EncodedPacket, StreamInfo, StreamKey
from tests.conftest import free_port
from vms.app import create_app
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.config import Settings
from vms.db.models.registry import Agency, Camera
from vms.services import Services


def encode_packets(
    frames: int = 60,
    *,
    codec: str = "libx264",
    width: int = 320,
    height: int = 180,
    fps: int = 15,
    gop: int = 30,
) -> list[tuple[bytes, bool]]:
    """Encode `frames` pictures (each a different flat colour) as (data, is_keyframe)."""
    enc = av.CodecContext.create(codec, "w")
    enc.width, enc.height = width, height
    enc.time_base = Fraction(1, fps)
    enc.framerate = Fraction(fps, 1)
    enc.gop_size = gop
    if codec == "libx264":
        enc.pix_fmt = "yuv420p"
        enc.profile = "baseline"
        enc.max_b_frames = 0
        enc.options = {"tune": "zerolatency", "preset": "ultrafast", "repeat-headers": "1"}
    elif codec == "libx265":
        enc.pix_fmt = "yuv420p"
        enc.options = {"preset": "ultrafast", "tune": "zerolatency", "x265-params": "log-level=0"}
    else:  # mjpeg
        enc.pix_fmt = "yuvj420p"
    out: list[tuple[bytes, bool]] = []
    for i in range(frames):
        img = np.zeros((height, width, 3), dtype=np.uint8)
        img[:, :] = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
        img[: height // 4, : (i % 16 + 1) * width // 16] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format=enc.pix_fmt)
        frame.pts = i
        for packet in enc.encode(frame):
            out.append((bytes(packet), bool(packet.is_keyframe)))
    for packet in enc.encode(None):
        out.append((bytes(packet), bool(packet.is_keyframe)))
    return out


ADMIN = "relay-admin"
ADMIN_PASSWORD = "relay-test-password"


class ServerThread:
    """The real app served by uvicorn on 127.0.0.1:<free port> in a thread with its own loop."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.app = create_app(settings)
        self.services: Services = self.app.state.services
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="test-server", daemon=True)
        self._auth: dict[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())
        self.loop.close()

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def auth_headers(self) -> dict[str, str]:
        """A system administrator's bearer token (created on first use): WHEP needs sign-in."""
        if self._auth is None:
            with self.services.db.session() as session:
                agency_id = _test_agency(session).id
                spec = UserSpec(ADMIN, ADMIN_PASSWORD, agency_id, Role.SYSTEM_ADMIN)
                create_user(session, spec, None)
            r = httpx.post(
                f"{self.url}/api/v1/auth/token",
                data={"username": ADMIN, "password": ADMIN_PASSWORD},
                timeout=30,
            )
            r.raise_for_status()
            self._auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return dict(self._auth)

    def register(self, *camera_ids: int, sub: bool = True) -> None:
        """Put cameras with these ids in the registry, as the relay's camera lookup needs.

        Publishers play the cameras here, so the camera sync is stopped first: ingest must not
        pull the registered (dead) URLs into the channels the publishers feed.
        """
        self.await_(self.services.camera_sync.stop())
        with self.services.db.session() as session:
            agency = _test_agency(session)
            for camera_id in camera_ids:
                if session.get(Camera, camera_id) is not None:
                    continue
                url = f"rtsp://127.0.0.1:9/cam{camera_id}"
                session.add(
                    Camera(
                        id=camera_id,
                        code=f"RELAY-{camera_id}",
                        name_en=f"Relay test camera {camera_id}",
                        agency_id=agency.id,
                        main_url=url + "/main",
                        sub_url=url + "/sub" if sub else None,
                    )
                )

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the server's loop and return its result (bus and relay live there)."""

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def await_(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


def _test_agency(session: Session) -> Agency:
    agency = session.scalars(select(Agency).where(Agency.code == "RELAY-TEST")).first()
    if agency is None:
        agency = Agency(code="RELAY-TEST", kind="command_center", name_en="Relay tests")
        session.add(agency)
        session.flush()
    return agency


class Publisher:
    """Plays encoded packets into the server's bus at `fps`, looping, with growing pts."""

    def __init__(
        self,
        server: ServerThread,
        key: StreamKey,
        packets: list[tuple[bytes, bool]],
        *,
        codec: str = "h264",
        fps: int = 15,
        width: int = 320,
        height: int = 180,
    ) -> None:
        self.server = server
        self.key = key
        self.packets = packets
        self.codec = codec
        self.fps = fps
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"publish-{key}", daemon=True)
        server.register(key.camera_id)
        channel = server.services.bus.channel(key)
        info = StreamInfo(codec, width, height, float(fps))
        server.call(lambda: channel.set_info(info))
        self.channel = channel

    def start(self) -> Publisher:
        self._thread.start()
        return self

    def wait_sent(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.sent < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"publisher sent {self.sent} of {n}")
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        period = 1.0 / self.fps
        start = time.monotonic()
        i = 0
        while not self._stop.is_set():
            data, key = self.packets[i % len(self.packets)]
            now = time.monotonic()
            packet = EncodedPacket(
                data=data,
                pts=i,
                time_base=Fraction(1, self.fps),
                is_keyframe=key,
                codec=self.codec,
                received=now,
                wallclock=time.time(),
            )
            self.server.loop.call_soon_threadsafe(self.channel.publish, packet)
            self.sent += 1
            i += 1
            self._stop.wait(max(0.0, start + i * period - time.monotonic()))
