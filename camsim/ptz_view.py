"""PTZ cameras' pictures follow their heads, and their ONVIF services.

A PTZ camera's streams are one GOP of the view at the head's position each, encoded on worker
threads (main and sub at once) whenever the head moves (a command, or every `STEP_S` of a
continuous move) and swapped in at their keyframe on the next tick. A one-picture still of
the new view (a single keyframe, a few ms) is swapped in first, so a move shows within one
picture's encode plus one frame; the GOP follows. One re-render per camera runs at a time; a
move during it triggers one more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from camsim import ptz_picture
from camsim.encoder import LoopParams, encode_loop
from camsim.onvif_ops import DEVICE_PATH, OnvifCamera
from camsim.onvif_server import OnvifServer
from camsim.stream import PreparedLoop

if TYPE_CHECKING:
    from camsim.simulator import CameraSimulator

log = logging.getLogger(__name__)
STEP_S = 0.1
STREAMS = ("main", "sub")


def _params(sim: CameraSimulator, camera: int, stream: str, frames: int | None) -> LoopParams:
    cfg = sim.config
    main = stream == "main"
    return LoopParams(
        camera=camera,
        stream=stream,
        width=cfg.width if main else cfg.sub_width,
        height=cfg.height if main else cfg.sub_height,
        fps=cfg.fps,
        gop_frames=frames or cfg.gop_frames,
        loop_gops=1,
        bitrate_kbps=cfg.bitrate_kbps if main else cfg.sub_bitrate_kbps,
    )


def _encode(params: LoopParams, position: tuple[float, float, float], moves: int) -> PreparedLoop:
    def draw(index: int) -> ptz_picture.Image:
        return ptz_picture.render(
            params.camera, position, moves, index, params.loop_frames, params.width, params.height
        )

    return PreparedLoop.from_loop(encode_loop(params, draw))


async def prepare(
    sim: CameraSimulator, camera: int, stream: str, frames: int | None = None
) -> PreparedLoop:
    """The loop showing camera `camera`'s current view (blocking work on a thread): one GOP,
    or `frames` pictures (all keyframes: a quick still while the GOP encodes)."""
    head = sim.heads[camera]
    head.advance()
    params = _params(sim, camera, stream, frames)
    return await asyncio.to_thread(_encode, params, head.position(), head.moves)


class OnvifFront:
    """Every camera's ONVIF server, plus the task that follows moving heads."""

    def __init__(self, sim: CameraSimulator) -> None:
        self.sim = sim
        self.servers: dict[int, OnvifServer] = {}
        self._dirty: set[int] = set()
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._follow: asyncio.Task[None] | None = None

    async def start(self) -> None:
        cfg = self.sim.config
        for n in range(1, cfg.cameras + 1):
            server = OnvifServer(self._camera(n))
            await server.start(cfg.host, cfg.onvif_port + n - 1 if cfg.onvif_port else 0)
            server.camera.base_url = f"http://{cfg.host}:{server.port}"
            self.servers[n] = server
        self._follow = asyncio.create_task(self._follow_moves(), name="camsim-ptz")

    async def stop(self) -> None:
        tasks = [t for t in [self._follow, *self._busy.values()] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for server in self.servers.values():
            await server.stop()
        self.servers.clear()

    def url(self, camera: int) -> str:
        return f"{self.servers[camera].camera.base_url}{DEVICE_PATH}"

    def _camera(self, n: int) -> OnvifCamera:
        sim, cfg = self.sim, self.sim.config
        return OnvifCamera(
            camera=n,
            base_url="",
            stream_url=lambda stream: sim.url(n, stream),
            sizes={"main": (cfg.width, cfg.height), "sub": (cfg.sub_width, cfg.sub_height)},
            credentials=lambda: sim.faults_of(n).auth,
            head=sim.heads.get(n),
            skew_s=cfg.clock_skew_s,
            http_digest=n in cfg.onvif_http_digest,
            on_move=lambda: self.changed(n),
        )

    def changed(self, camera: int) -> None:
        """The head moved: re-render its picture (now, or after the render in progress)."""
        self._dirty.add(camera)
        if camera not in self._busy:
            task = asyncio.get_running_loop().create_task(self._render(camera))
            self._busy[camera] = task

    async def _render(self, camera: int) -> None:
        try:
            while camera in self._dirty:
                self._dirty.discard(camera)
                for frames in (1, None):  # a one-picture still at once, then the full GOP
                    loops = await asyncio.gather(
                        *(prepare(self.sim, camera, s, frames) for s in STREAMS)
                    )
                    for stream, prepared in zip(STREAMS, loops, strict=True):
                        source = self.sim.source(camera, stream)
                        if source is not None:
                            source.switch_to(prepared)
        except Exception:
            log.exception("camsim: cannot render camera %d's PTZ view", camera)
        finally:
            self._busy.pop(camera, None)

    async def _follow_moves(self) -> None:
        while True:
            await asyncio.sleep(STEP_S)
            for camera, head in self.sim.heads.items():
                if head.moving and head.advance():
                    self.changed(camera)
