"""Encodes one camera stream's picture loop with libx264 (through PyAV), once.

The settings are what a browser's WebRTC stack decodes without help: constrained baseline,
no B-frames, a fixed GOP with SPS/PPS repeated on every IDR, zero-latency tuning. Encoding is
blocking; callers run it on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import av

from camsim import picture
from camsim.framecode import Image
from camsim.h264 import parameter_sets


@dataclass(frozen=True, slots=True)
class LoopParams:
    """Everything that determines the bytes of an encoded loop (and so its cache key)."""

    camera: int
    stream: str
    width: int
    height: int
    fps: int
    gop_frames: int
    loop_gops: int
    bitrate_kbps: int
    grain: int = 0  # sensor-like noise amplitude (0-64): real cameras' pictures cost bits

    @property
    def loop_frames(self) -> int:
        return self.gop_frames * self.loop_gops


@dataclass(frozen=True, slots=True)
class EncodedLoop:
    """A replayable loop: one Annex-B access unit per frame; frame 0 is an IDR."""

    params: LoopParams
    frames: tuple[bytes, ...]
    keyframes: tuple[bool, ...]

    def __post_init__(self) -> None:
        if not self.frames or not self.keyframes[0] or len(self.frames) != len(self.keyframes):
            raise ValueError("an encoded loop must start with a keyframe")

    @property
    def sps_pps(self) -> tuple[bytes, bytes]:
        return parameter_sets(self.frames[0])


def encoder_version() -> str:
    """Identifies the encoder build, so a new PyAV/x264 invalidates cached loops."""
    return f"av{av.__version__}"


def encode_loop(params: LoopParams, draw: Callable[[int], Image] | None = None) -> EncodedLoop:
    """Draw and encode the loop's pictures (blocking: run it off the event loop). `draw`
    (frame index -> RGB picture) replaces the standard picture (a PTZ camera's view)."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width = params.width
    ctx.height = params.height
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = Fraction(1, params.fps)
    ctx.framerate = Fraction(params.fps)
    ctx.bit_rate = params.bitrate_kbps * 1000
    ctx.gop_size = params.gop_frames
    ctx.max_b_frames = 0
    rate = params.bitrate_kbps
    x264 = (
        f"repeat-headers=1:keyint={params.gop_frames}:min-keyint={params.gop_frames}"
        f":scenecut=0:bframes=0:threads=1:sliced-threads=0:annexb=1"
        f":vbv-maxrate={rate}:vbv-bufsize={rate}"
    )
    ctx.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "profile": "baseline",
        "x264-params": x264,
    }
    label = f"cam {params.camera} {params.stream}"
    frames: list[bytes] = []
    keyframes: list[bool] = []
    for index in range(params.loop_frames):
        rgb = (
            draw(index)
            if draw is not None
            else picture.render(
                params.camera,
                label,
                index,
                params.loop_frames,
                params.width,
                params.height,
                grain=params.grain,
            )
        )
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        for packet in ctx.encode(frame):
            frames.append(bytes(packet))
            keyframes.append(bool(packet.is_keyframe))
    for packet in ctx.encode(None):
        frames.append(bytes(packet))
        keyframes.append(bool(packet.is_keyframe))
    if len(frames) != params.loop_frames:
        raise RuntimeError(f"encoder gave {len(frames)} frames for {params.loop_frames}")
    return EncodedLoop(params, tuple(frames), tuple(keyframes))
