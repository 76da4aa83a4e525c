"""Pictures on demand: decode the latest keyframe of a stream to a JPEG.

Nothing is decoded unless someone asks. A request subscribes to the stream's channel (which
also makes an on-demand camera start pulling), takes the first packet (the cached keyframe,
or the next one), unsubscribes, and decodes that one picture in a thread with PyAV, scaled to
the requested width and JPEG-encoded with OpenCV. The last JPEG per (stream, width) is kept
until a newer keyframe arrives, so a wall of thumbnails polling does not decode twice.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import av
import cv2
import numpy as np

from ingest.frame_bus import FrameBus, SubscriptionClosed
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamKey

MIN_WIDTH, MAX_WIDTH = 16, 3840
_CACHE_SIZE = 256


class SnapshotUnavailable(Exception):
    """No picture can be had now; the message says why (offline camera, no keyframe yet)."""


class SnapshotService:
    """Decodes keyframes to JPEG on request, never in the background."""

    def __init__(self, bus: FrameBus, health: HealthRegistry, *, wait_s: float = 4.0) -> None:
        self.bus = bus
        self.health = health
        self.wait_s = wait_s
        self._cache: OrderedDict[tuple[StreamKey, int | None], tuple[int, bytes]] = OrderedDict()

    async def jpeg(self, key: StreamKey, width: int | None = None) -> bytes:
        """A JPEG of the latest keyframe of `key`, `width` pixels wide (source width if None)."""
        if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
            raise ValueError(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}")
        keyframe = await self._keyframe(key)
        cached = self._cache.get((key, width))
        if cached is not None and cached[0] == keyframe.pts:
            return cached[1]
        data = await asyncio.to_thread(decode_to_jpeg, keyframe, width)
        self._cache[(key, width)] = (keyframe.pts, data)
        self._cache.move_to_end((key, width))
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return data

    async def _keyframe(self, key: StreamKey) -> EncodedPacket:
        sub = self.bus.channel(key).subscribe(maxsize=8)
        try:
            async with asyncio.timeout(self.wait_s):
                packet = await sub.get()  # a subscription always starts at a keyframe
        except (TimeoutError, SubscriptionClosed):
            raise SnapshotUnavailable(self._why(key)) from None
        finally:
            sub.close()
        return packet

    def _why(self, key: StreamKey) -> str:
        health = self.health.get(key)
        if health is not None and health.state in (StreamState.OFFLINE, StreamState.ERROR):
            return f"camera stream is {health.state.value}: {health.reason}"
        if health is not None and health.state == StreamState.STALLED:
            return "camera stream is stalled; reconnecting"
        return "no picture from the camera yet; try again in a moment"


def decode_to_jpeg(packet: EncodedPacket, width: int | None, quality: int = 80) -> bytes:
    """Decode one self-contained keyframe and JPEG-encode it. Blocking: run in a thread."""
    ctx = av.CodecContext.create(packet.codec, "r")
    if not isinstance(ctx, av.VideoCodecContext):
        raise SnapshotUnavailable(f"{packet.codec} is not a video codec")
    ctx.thread_count = 1
    try:
        frames = list(ctx.decode(av.Packet(packet.data)))
        frames += ctx.decode(None)
    except av.error.FFmpegError:
        raise SnapshotUnavailable("the latest keyframe could not be decoded") from None
    if not frames:
        raise SnapshotUnavailable("the latest keyframe could not be decoded")
    frame = frames[0]
    if width is not None and width != frame.width:
        height = max(2, round(frame.height * width / frame.width / 2) * 2)
        frame = frame.reformat(width=width, height=height, format="bgr24")
    else:
        frame = frame.reformat(format="bgr24")
    image: np.ndarray = frame.to_ndarray()
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SnapshotUnavailable("JPEG encoding failed")
    return bytes(buf.tobytes())
