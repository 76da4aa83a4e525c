"""`CameraSimulator`: N RTSP cameras on one port, served from pre-encoded loops.

It owns the listening socket, the shared UDP ports, the frame ticker, the idle-connection
reaper and (optionally) the HTTP control endpoint, and cancels them all in `stop()`. Faults
are injected through its methods; `SimulatorThread` offers the same from another thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import Any

from camsim import ptz_view
from camsim.config import Credentials, SimConfig, check_size
from camsim.encoder import LoopParams
from camsim.faults import CameraFaults
from camsim.loop_cache import load_or_encode
from camsim.ptz_head import PtzFeatures, PtzHead
from camsim.rtsp_auth import Authenticator
from camsim.rtsp_connection import RtspConnection
from camsim.stream import PreparedLoop, StreamSource
from camsim.ticker import Ticker
from camsim.udp import open_udp_pair
from vms.errors import ConfigError, InvalidInput, NotFound

log = logging.getLogger(__name__)
STREAMS = ("main", "sub")
_REAP_EVERY_S = 5.0


class CameraSimulator:
    """Serves `config.cameras` cameras at rtsp://host:port/cam/<n>/<main|sub>."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.authenticator = Authenticator()
        self.connections: set[RtspConnection] = set()
        self.connections_refused = 0
        self._faults = {n: CameraFaults(auth=config.auth) for n in range(1, config.cameras + 1)}
        self._sources: dict[tuple[int, str], StreamSource] = {}
        self._server: asyncio.Server | None = None
        self._udp: tuple[asyncio.DatagramTransport, asyncio.DatagramTransport] | None = None
        self._ticker = Ticker(config.fps, self._on_tick)
        self._tasks: list[asyncio.Task[None]] = []
        self._encodes: set[asyncio.Task[None]] = set()
        self._control: Any = None
        self._tick = 0
        self.heads: dict[int, PtzHead] = {
            n: PtzHead(PtzFeatures.limited() if n in config.limited_ptz else PtzFeatures())
            for n in range(1, config.cameras + 1)
            if config.has_ptz(n)
        }
        self._onvif: Any = None

    # lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load (or encode) every loop, then listen. Returns once cameras can be pulled."""
        sem = asyncio.Semaphore(max(1, self.config.encode_workers))

        async def load(camera: int, stream: str) -> None:
            async with sem:
                if camera in self.heads:
                    prepared = await ptz_view.prepare(self, camera, stream)
                else:
                    prepared = await self._prepare(self._params(camera, stream))
            self._sources[(camera, stream)] = StreamSource(
                camera, stream, prepared, self.config.fps
            )

        cams = range(1, self.config.cameras + 1)
        await asyncio.gather(*(load(c, s) for c in cams for s in STREAMS))
        loop = asyncio.get_running_loop()
        self._udp = await open_udp_pair(self.config.host)
        self._server = await loop.create_server(
            lambda: RtspConnection(self), self.config.host, self.config.port, backlog=1024
        )
        self._tasks = [
            asyncio.create_task(self._ticker.run(), name="camsim-ticker"),
            asyncio.create_task(self._reap(), name="camsim-reaper"),
        ]
        if self.config.control_port is not None:
            from camsim.control import ControlServer  # only when asked for

            self._control = ControlServer(self)
            await self._control.start(self.config.host, self.config.control_port)
        if self.config.onvif:
            self._onvif = ptz_view.OnvifFront(self)
            await self._onvif.start()
        log.info("camsim: %d cameras at rtsp://%s:%d/cam/N/main", len(cams), self.host, self.port)

    async def stop(self) -> None:
        """Close every connection and cancel every task this simulator started."""
        if self._onvif is not None:
            await self._onvif.stop()
            self._onvif = None
        if self._control is not None:
            await self._control.stop()
            self._control = None
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.hangup()
        for task in [*self._tasks, *self._encodes]:
            task.cancel()
        for task in [*self._tasks, *self._encodes]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._encodes.clear()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._udp is not None:
            for transport in self._udp:
                transport.close()
            self._udp = None

    async def __aenter__(self) -> CameraSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # addresses ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        """The RTSP port (the one picked when `config.port` was 0)."""
        if self._server is None:
            raise RuntimeError("simulator not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def control_port(self) -> int | None:
        """The HTTP control port, if the endpoint runs."""
        return None if self._control is None else int(self._control.port)

    def url(self, camera: int, stream: str = "main") -> str:
        """rtsp://host:port/cam/<camera>/<stream> (no credentials in it)."""
        self._check(camera, stream)
        return f"rtsp://{self.host}:{self.port}/cam/{camera}/{stream}"

    def onvif_url(self, camera: int) -> str:
        """http://host:port/onvif/device_service of the camera's ONVIF service."""
        self._check(camera)
        if self._onvif is None:
            raise InvalidInput("the simulator runs without ONVIF (SimConfig.onvif)")
        return str(self._onvif.url(camera))

    def ptz_state(self, camera: int) -> dict[str, Any]:
        """The head's position, motion and move counter (what the picture shows)."""
        self._check(camera)
        head = self.heads.get(camera)
        if head is None:
            raise NotFound(f"camera {camera} has no PTZ head")
        head.advance()
        return {
            "pan": head.pan,
            "tilt": head.tilt,
            "zoom": head.zoom,
            "moves": head.moves,
            "moving": head.moving,
            "presets": sorted(head.presets),
        }

    # faults ------------------------------------------------------------------------------

    def drop(self, camera: int, seconds: float = 0.0) -> None:
        """Close the camera's connections now and refuse new ones for `seconds`."""
        self._check(camera)
        faults = self._faults[camera]
        if seconds:
            faults.refuse_for(seconds)
        for conn in list(self.connections):
            if camera in conn.cameras:
                conn.hangup()

    def down(self, camera: int, seconds: float | None = None) -> None:
        """Camera down (reboot): drop its clients and refuse new ones for `seconds` or until up."""
        self._check(camera)
        self.drop(camera, math.inf if seconds is None else seconds)

    def up(self, camera: int) -> None:
        """End `down` and `stall` for the camera."""
        self._check(camera)
        self._faults[camera].clear_refusal()
        self._faults[camera].clear_stall()

    def stall(self, camera: int, seconds: float | None = None) -> None:
        """Keep connections open but send nothing for `seconds` (None: until `unstall`)."""
        self._check(camera)
        self._faults[camera].stall_for(seconds)

    def unstall(self, camera: int) -> None:
        self._check(camera)
        self._faults[camera].clear_stall()

    def change_resolution(self, camera: int, width: int, height: int, stream: str = "main") -> None:
        """Switch the stream to another picture size mid-stream (new SPS/PPS in band).

        The loop at the new size is encoded (or read from cache) off the event loop; the switch
        happens on the first tick after it is ready, at that loop's first keyframe.
        """
        self._check(camera, stream)
        try:
            check_size("width", width)
            check_size("height", height)
        except ConfigError as exc:
            raise InvalidInput(exc.message) from exc
        params = self._params(camera, stream, width, height)
        task = asyncio.get_running_loop().create_task(self._switch(camera, stream, params))
        self._encodes.add(task)
        task.add_done_callback(self._encodes.discard)

    def require_auth(
        self, user: str, password: str, camera: int | None = None, method: str = "digest"
    ) -> None:
        """Demand these credentials on every camera, or on one."""
        try:
            creds = Credentials(user, password, method)
        except ConfigError as exc:
            raise InvalidInput(exc.message) from exc
        for n in self._cameras(camera):
            self._faults[n].auth = creds

    def clear_auth(self, camera: int | None = None) -> None:
        """Serve without authentication again (all cameras, or one)."""
        for n in self._cameras(camera):
            self._faults[n].auth = None

    # observation -------------------------------------------------------------------------

    def frame_size(self, camera: int, stream: str = "main") -> tuple[int, int]:
        """(width, height) the stream sends now."""
        source = self._source(camera, stream)
        return source.prepared.width, source.prepared.height

    def schedule(self, camera: int, stream: str = "main") -> list[float | None]:
        """Wall-clock time (time.time()) at which each loop frame index was last sent."""
        return list(self._source(camera, stream).sent_at)

    def sent_at(self, camera: int, index: int, stream: str = "main") -> float | None:
        """Wall-clock time at which loop frame `index` was last sent, None if never."""
        sent = self._source(camera, stream).sent_at
        if not 0 <= index < len(sent):
            raise InvalidInput(f"frame index must be within 0..{len(sent) - 1}")
        return sent[index]

    def stats(self, camera: int) -> dict[str, Any]:
        """Counters and fault state of one camera (JSON-friendly, never a password)."""
        self._check(camera)
        out: dict[str, Any] = {"camera": camera, "faults": self._faults[camera].describe()}
        if camera in self.heads:
            out["ptz"] = self.ptz_state(camera)
        for stream in STREAMS:
            source = self._sources[(camera, stream)]
            out[stream] = {
                "width": source.prepared.width,
                "height": source.prepared.height,
                "clients": len(source.sessions),
                "packets_sent": source.packets_sent,
                "frames_skipped": source.frames_skipped,
                "clients_dropped": source.clients_dropped,
            }
        return out

    # RtspHost ----------------------------------------------------------------------------

    def source(self, camera: int, stream: str) -> StreamSource | None:
        return self._sources.get((camera, stream))

    def faults_of(self, camera: int) -> CameraFaults:
        return self._faults[camera]

    def udp_transports(self) -> tuple[asyncio.DatagramTransport, asyncio.DatagramTransport]:
        if self._udp is None:
            raise RuntimeError("simulator not started")
        return self._udp

    def admit(self, connection: RtspConnection) -> bool:
        if len(self.connections) >= self.config.max_connections:
            self.connections_refused += 1
            return False
        self.connections.add(connection)
        return True

    def forget(self, connection: RtspConnection) -> None:
        self.connections.discard(connection)

    # internals ---------------------------------------------------------------------------

    def _on_tick(self, tick: int, wall: float) -> None:
        self._tick = tick
        now = time.monotonic()
        cfg = self.config
        for (camera, _), source in self._sources.items():
            source.tick(
                tick,
                wall,
                self._faults[camera].stalled(now),
                cfg.write_buffer_limit,
                cfg.max_skipped_frames,
                cfg.rtcp_interval_s,
            )

    async def _reap(self) -> None:
        """Close connections idle past the session timeout (UDP clients that went away)."""
        while True:
            await asyncio.sleep(_REAP_EVERY_S)
            limit = time.monotonic() - self.config.session_timeout_s
            for conn in list(self.connections):
                idle = conn.last_activity < limit
                if idle and (not conn.sessions or conn.has_udp_sessions()):
                    conn.hangup()

    async def _prepare(self, params: LoopParams) -> PreparedLoop:
        loop = await asyncio.to_thread(load_or_encode, params, self.config.cache_dir)
        return await asyncio.to_thread(PreparedLoop.from_loop, loop)

    async def _switch(self, camera: int, stream: str, params: LoopParams) -> None:
        try:
            prepared = await self._prepare(params)
        except Exception:
            log.exception("camsim: cannot encode camera %d %s at the new size", camera, stream)
            return
        self._sources[(camera, stream)].switch_to(prepared)

    def _params(
        self, camera: int, stream: str, width: int | None = None, height: int | None = None
    ) -> LoopParams:
        cfg = self.config
        main = stream == "main"
        return LoopParams(
            camera=camera,
            stream=stream,
            width=width or (cfg.width if main else cfg.sub_width),
            height=height or (cfg.height if main else cfg.sub_height),
            fps=cfg.fps,
            gop_frames=cfg.gop_frames,
            loop_gops=cfg.loop_gops,
            bitrate_kbps=cfg.bitrate_kbps if main else cfg.sub_bitrate_kbps,
            grain=cfg.grain,
        )

    def _source(self, camera: int, stream: str) -> StreamSource:
        self._check(camera, stream)
        source = self._sources.get((camera, stream))
        if source is None:
            raise RuntimeError("simulator not started")
        return source

    def _cameras(self, camera: int | None) -> range:
        if camera is None:
            return range(1, self.config.cameras + 1)
        self._check(camera)
        return range(camera, camera + 1)

    def _check(self, camera: int, stream: str = "main") -> None:
        if not 1 <= camera <= self.config.cameras:
            raise NotFound(f"no camera {camera}: cameras are 1..{self.config.cameras}")
        if stream not in STREAMS:
            raise InvalidInput(f"stream must be 'main' or 'sub', not {stream!r}")
