"""Opening a camera with PyAV and turning its demuxed packets into bus packets.

Runs in the worker thread only. The URL is checked against the policy again here (defence in
depth; ingest/url_policy.py: the host is resolved and every address must be in the camera
networks), "host not found" is told apart, and credentials are
joined to the URL only for the `av.open` call; neither the joined URL nor FFmpeg's error text
(which quotes it) is ever logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import av
import av.bitstream
import av.container
import av.logging
import av.stream
import av.video.stream

from ingest.config import IngestConfig
from ingest.failures import HostNotFound, NotVideo, SourceRefused, Unreachable
from ingest.h264 import (
    avcc_to_annexb,
    find_parameter_sets,
    h264_sps_size,
    hevc_sps_size,
    insert_parameter_sets,
    is_annexb,
)
from ingest.packet import EncodedPacket, StreamInfo
from ingest.spec import StreamSpec
from ingest.timestamps import OUT_TIME_BASE, PtsNormaliser
from ingest.url_policy import HostNotResolved
from ingest.urls import format_whitelist, join_credentials, protocol_whitelist, validate_camera_url

_PARAM_CODECS = ("h264", "hevc")

# FFmpeg's messages quote URLs (with credentials once joined), so they never reach a log: only
# errors are passed to Python at all (others are dropped in C), captured during `av.open` to
# tell a whitelist refusal apart, and the "libav" loggers PyAV would emit the rest to are muted.
av.logging.set_level(av.logging.ERROR)
_libav_log = logging.getLogger("libav")
_libav_log.setLevel(logging.CRITICAL + 1)
_libav_log.propagate = False
_libav_log.addHandler(logging.NullHandler())
_REFUSED = re.compile(r"(Protocol|Format) '?([\w.-]+)'? not on whitelist")


def open_stream(
    spec: StreamSpec, config: IngestConfig
) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """Open the camera and pick its video stream. Blocking: call from the worker thread."""
    url = validate_camera_url(spec.url, config.allowed_schemes)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:  # again at connect time: a name may now resolve elsewhere (DNS rebinding)
        config.url_policy().check(url)
    except HostNotResolved:
        raise HostNotFound(parts.hostname) from None
    options = {
        "protocol_whitelist": protocol_whitelist(url),
        "analyzeduration": "1500000",
        "probesize": "1000000",
        "fflags": "nobuffer",
    }
    formats = format_whitelist(url)
    if formats:
        options["format_whitelist"] = formats
    # Reads are bounded by FFmpeg's own socket timeouts, not by PyAV's interrupt callback: that
    # callback takes the GIL on every socket wait, which at 100 cameras cost ~40 % more CPU
    # (bench/ingest_bench.py). The callback stays on for the open (connect timeout, stop).
    stall_us = str(int(config.stall_timeout_s * 1_000_000))
    options["rw_timeout"] = stall_us
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = spec.transport or config.rtsp_transport
        options["timeout"] = stall_us  # RTSP: socket I/O timeout, also RTP over UDP
    elif scheme in ("http", "https"):
        options["timeout"] = stall_us
        options["reconnect"] = "0"
    full_url = join_credentials(url, spec.username, spec.password)
    with av.logging.Capture(local=True) as messages:
        try:
            container = av.open(full_url, options=options, timeout=(config.connect_timeout_s, None))
        except av.error.FFmpegError as exc:
            _raise_if_refused(messages)
            if scheme not in ("http", "https") and isinstance(exc, av.error.InvalidDataError):
                # A port that does not speak RTSP/RTMP/SRT reads like one that is not there,
                # so the status cannot tell an open port from a closed one.
                raise Unreachable() from None
            raise
    try:
        if not container.streams.video:
            raise NotVideo("the source has no video track")
        stream = container.streams.video[0]
        for other in container.streams:
            if other is not stream:
                other.discard = av.stream.Discard.all
        return container, stream
    except BaseException:
        container.close()
        raise


def _raise_if_refused(messages: list[tuple[int, str, str]]) -> None:
    """SourceRefused if FFmpeg's whitelist stopped a nested open (e.g. an HLS segment)."""
    for _level, _name, text in messages:
        found = _REFUSED.search(text)
        if found:
            raise SourceRefused(found.group(1).lower(), found.group(2)) from None


class PacketShaper:
    """Makes demuxed packets bus-ready: Annex-B, SPS/PPS on every keyframe, monotonic pts.

    Also notices new parameter sets (a resolution change) and B-frames (a packet whose pts is
    not its dts) and reports a new StreamInfo. The timeline follows the decode timestamp where
    there is one: with B-frames the presentation timestamps go back and forth, and bus packets
    travel in decode order. One per connection; the PtsNormaliser outlives it so pts stay
    continuous on reconnect.
    """

    def __init__(self, stream: av.video.stream.VideoStream, normaliser: PtsNormaliser) -> None:
        cc = stream.codec_context
        self.codec: str = cc.name
        self.normaliser = normaliser
        extradata = bytes(cc.extradata or b"")
        self._bsf: av.bitstream.BitStreamFilterContext | None = None
        params = b""
        if self.codec in _PARAM_CODECS and extradata:
            if is_annexb(extradata):
                params = extradata
            else:  # avcC/hvcC (RTMP, MP4-style): convert every packet to Annex-B
                self._bsf = av.bitstream.BitStreamFilterContext(f"{self.codec}_mp4toannexb", stream)
                params = avcc_to_annexb(extradata)
        found = find_parameter_sets(self.codec, params) if params else None
        self._params = params
        self._sps = found.sps if found else None
        rate = stream.average_rate or stream.guessed_rate
        self.info = StreamInfo(
            codec=self.codec,
            width=cc.width or None,
            height=cc.height or None,
            fps=round(float(rate), 3) if rate else None,
            extradata=params or None,
            profile=cc.profile,
            reordered=bool(cc.has_b_frames),
        )

    def shape(self, packet: av.Packet) -> Iterator[tuple[EncodedPacket, StreamInfo | None]]:
        """Bus packets for one demuxed packet, each with a new StreamInfo if parameters changed."""
        received, wallclock = time.monotonic(), time.time()
        packets: Iterable[av.Packet] = self._bsf.filter(packet) if self._bsf else (packet,)
        for p in packets:
            if p.size == 0:
                continue
            data = bytes(p)
            key = bool(p.is_keyframe)
            new_info = None
            if key and self.codec in _PARAM_CODECS:
                data, new_info = self._keyframe(data)
            if (
                p.pts is not None
                and p.dts is not None
                and p.pts != p.dts
                and not self.info.reordered
            ):
                self.info = replace(self.info, reordered=True)
                new_info = self.info
            raw = p.dts if p.dts is not None else p.pts
            pts = self.normaliser.convert(raw, p.time_base) if p.time_base else 0
            yield (
                EncodedPacket(data, pts, OUT_TIME_BASE, key, self.codec, received, wallclock),
                new_info,
            )

    def _keyframe(self, data: bytes) -> tuple[bytes, StreamInfo | None]:
        found = find_parameter_sets(self.codec, data)
        if found.sps is None:
            if self._params:
                data = insert_parameter_sets(self.codec, data, self._params)
            return data, None
        self._params = found.annexb
        if found.sps == self._sps:
            return data, None
        self._sps = found.sps
        size = (h264_sps_size if self.codec == "h264" else hevc_sps_size)(found.sps)
        width, height = size if size else (self.info.width, self.info.height)
        self.info = replace(self.info, width=width, height=height, extradata=found.annexb)
        return data, self.info
