"""Conversion to H.264 for streams a browser cannot take as they are (H.265, MJPEG, H.264 with
B-frames, ...).

One `Transcoder` per source stream, shared by all its viewers: it subscribes to the camera's
channel, decodes with PyAV and encodes with libx264 (baseline, zerolatency, no B-frames) on its
own thread, and publishes Annex-B H.264 on a channel of a derived bus with the same key. When it
is behind (a backlog, e.g. the cached GOP at start) it only decodes, so the first picture it
encodes is the newest one. `TranscoderPool` counts users, caps how many run, and stops a
transcoder with its last viewer.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import cast

import av
from av.video.codeccontext import VideoCodecContext

from ingest.frame_bus import Channel, FrameBus, Subscription, SubscriptionClosed
from ingest.packet import EncodedPacket, StreamInfo, StreamKey
from vms.errors import Unavailable

log = logging.getLogger(__name__)

DEFAULT_FPS = 15.0
STOP_TIMEOUT_S = 5.0


def conversion_reason(info: StreamInfo | None, codec: str) -> str | None:
    """Why a stream must be converted to H.264 before browsers can show it, or None to pass
    it through. `codec` is the cached keyframe's, for a channel without StreamInfo yet."""
    codec = info.codec if info is not None else codec
    if codec != "h264":
        return f"the camera sends {codec}, which browsers' WebRTC does not take"
    if info is not None and info.reordered:
        # RTP in WebRTC carries pictures in the order they are shown; receivers do not reorder
        return "the camera's H.264 has B-frames, which WebRTC does not carry"
    return None


class Transcoder:
    """Decodes one camera stream and re-encodes it as H.264 on `output`."""

    def __init__(self, source: Channel, output: Channel, *, bitrate: int = 1_000_000) -> None:
        self.source = source
        self.output = output
        self.bitrate = bitrate
        self.frames_in = 0
        self.frames_out = 0
        self.errors = 0
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"transcode-{source.key}")
        self._decoder: VideoCodecContext | None = None
        self._encoder: VideoCodecContext | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Subscribe to the source (from its cached GOP) and start converting."""
        sub = self.source.subscribe()
        self._task = asyncio.get_running_loop().create_task(self._run(sub), name="transcoder")

    async def stop(self) -> None:
        """Stop converting; waits for the thread to finish its current picture."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(
            loop.run_in_executor(None, self._executor.shutdown, True), STOP_TIMEOUT_S
        )
        self.output.close()

    async def _run(self, sub: Subscription) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                packet = await sub.get()
                encode = len(sub) == 0  # behind: decode only, keep the references right
                try:
                    out = await loop.run_in_executor(self._executor, self._convert, packet, encode)
                except (av.FFmpegError, ValueError) as exc:
                    self.errors += 1
                    log.warning("transcoding %s: %s", self.source.key, exc)
                    self._decoder = None  # start again at the next keyframe
                    continue
                for encoded in out:
                    self.output.publish(encoded)
        except SubscriptionClosed:
            log.info("source of transcoder %s closed", self.source.key)
        finally:
            sub.close()

    def _convert(self, packet: EncodedPacket, encode: bool) -> list[EncodedPacket]:
        """Thread side: decode one packet; encode the pictures when `encode`."""
        if self._decoder is None:
            if not packet.is_keyframe:
                return []
            self._decoder = cast(VideoCodecContext, av.CodecContext.create(packet.codec, "r"))
        frames = self._decoder.decode(av.Packet(packet.data))
        self.frames_in += len(frames)
        if not encode:
            return []
        out: list[EncodedPacket] = []
        for frame in frames:
            encoder = self._encoder_for(frame, packet.time_base)
            frame = frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame
            frame.pts = packet.pts
            frame.time_base = packet.time_base
            frame.pict_type = av.video.frame.PictureType.NONE
            for encoded in encoder.encode(frame):
                self.frames_out += 1
                out.append(
                    EncodedPacket(
                        data=bytes(encoded),
                        pts=packet.pts,
                        time_base=packet.time_base,
                        is_keyframe=bool(encoded.is_keyframe),
                        codec="h264",
                        received=packet.received,
                        wallclock=packet.wallclock,
                    )
                )
        return out

    def _encoder_for(self, frame: av.VideoFrame, time_base: Fraction) -> VideoCodecContext:
        enc = self._encoder
        if enc is not None and (enc.width, enc.height) == (frame.width, frame.height):
            return enc
        info = self.source.info
        fps = info.fps if info is not None and info.fps else DEFAULT_FPS
        enc = av.CodecContext.create("libx264", "w")
        enc.width, enc.height = frame.width, frame.height
        enc.pix_fmt = "yuv420p"
        enc.time_base = time_base
        enc.framerate = Fraction(round(fps * 1000), 1000)
        enc.bit_rate = self.bitrate
        enc.gop_size = max(1, round(fps * 2))
        enc.max_b_frames = 0
        enc.profile = "baseline"
        # libx264 takes the profile as an option (PyAV's `profile` attribute did not reach it:
        # High came out); baseline is what every WebRTC H.264 decoder takes
        enc.options = {
            "preset": "veryfast",
            "tune": "zerolatency",
            "repeat-headers": "1",
            "profile": "baseline",
        }
        self._encoder = enc
        self.output.set_info(StreamInfo("h264", frame.width, frame.height, fps, None, "baseline"))
        return enc


class TranscoderPool:
    """The running transcoders, at most `limit`, each shared by the viewers of one stream."""

    def __init__(self, bus: FrameBus, limit: int) -> None:
        self.limit = limit
        self.started_total = 0
        self.refused_total = 0
        self._bus = bus
        self._derived = FrameBus(
            subscriber_queue_packets=bus.subscriber_queue_packets,
            gop_cache_max_packets=bus.gop_cache_max_packets,
        )
        self._running: dict[StreamKey, Transcoder] = {}
        self._users: dict[StreamKey, int] = {}

    @property
    def running(self) -> int:
        return len(self._running)

    def get(self, key: StreamKey) -> Transcoder | None:
        return self._running.get(key)

    def acquire(self, key: StreamKey, reason: str = "") -> Channel:
        """The H.264 channel for `key`, starting its transcoder if it is not running yet;
        `reason` (from `conversion_reason`) goes into the refusal when all are busy."""
        transcoder = self._running.get(key)
        if transcoder is None:
            if len(self._running) >= self.limit:
                self.refused_total += 1
                why = f" ({reason})" if reason else ""
                raise Unavailable(
                    f"stream {key} needs conversion to H.264{why} and all {self.limit} "
                    "transcoders are busy (relay.max_transcoders)",
                    headers={"Retry-After": "30"},
                )
            self._derived.remove(key)
            transcoder = Transcoder(self._bus.channel(key), self._derived.channel(key))
            transcoder.start()
            self._running[key] = transcoder
            self.started_total += 1
        self._users[key] = self._users.get(key, 0) + 1
        return transcoder.output

    async def release(self, key: StreamKey) -> None:
        """One viewer of `key` is gone; the last one stops the transcoder."""
        users = self._users.get(key, 0) - 1
        if users > 0:
            self._users[key] = users
            return
        self._users.pop(key, None)
        transcoder = self._running.pop(key, None)
        if transcoder is not None:
            await transcoder.stop()

    async def stop(self) -> None:
        """Stop every transcoder (server shutdown)."""
        running, self._running = self._running, {}
        self._users.clear()
        for transcoder in running.values():
            await transcoder.stop()
