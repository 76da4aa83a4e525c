"""One recorded stream's writer: packets in, fragmented MP4 segments and their index out.

Blocking (file I/O and SQL), and not thread-safe: the stream's recorder task feeds it from one
worker thread at a time. Times are wall clock: a segment starts at the arrival time of its first
keyframe, and later pictures are placed by the (monotonic) stream timestamps from there; when
the two drift apart by more than `drift_s` (a camera reboot, a pts jump, a stall) the segment
ends and a new one starts on the wall clock again, with the stretch between marked as a gap.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ingest.h264 import h264_sps_size
from ingest.packet import EncodedPacket
from vms.recording import fmp4
from vms.recording.config import RecordingConfig
from vms.recording.store import RecordingStore, ticks_to_time

log = logging.getLogger(__name__)

INDEX_EVERY_S = 5.0  # an open segment's end and size are written to the index this often
DEFAULT_FRAME = fmp4.TIMESCALE // 25
DISK_RETRY_S = 5.0


@dataclass
class _Open:
    """The segment being written."""

    id: int
    path: Path
    file: BinaryIO
    start: int  # ticks since the epoch
    pts0: int  # the stream pts (ticks) of its first picture
    size: tuple[int | None, int | None]
    sps: bytes
    written: int = 0
    sequence: int = 0
    keyframes_ms: list[int] = field(default_factory=list)
    fragment: list[fmp4.Sample] = field(default_factory=list)
    prev: tuple[int, bytes, bool] | None = None  # (time, AVCC data, keyframe) awaiting its end
    frame: int = DEFAULT_FRAME
    indexed_at: float = 0.0
    flushed_end: int = 0  # where the last fragment in the file ends (ticks)


class Segmenter:
    """Writes one camera stream; `feed()` packets, `interrupt(reason)` on a gap, `close()`."""

    def __init__(
        self,
        store: RecordingStore,
        camera_id: int,
        stream: str,
        config: RecordingConfig,
        *,
        continuous: bool = True,
    ) -> None:
        self.store = store
        self.camera_id = camera_id
        self.stream = stream
        self.segment_ticks = int(config.segment_s * fmp4.TIMESCALE)
        self.fragment_ticks = int(config.fragment_s * fmp4.TIMESCALE)
        self.drift_ticks = int(config.drift_s * fmp4.TIMESCALE)
        self.current: _Open | None = None
        self.last_end: datetime | None = store.last_end(camera_id, stream)
        # a previous run recorded this stream continuously: what lies between is the restart's
        # gap (event recordings have no gaps: nothing was wanted between events)
        self.pending_reason: str | None = "server restart" if self.last_end and continuous else None
        self.continuous = continuous
        self.disk_full = False
        self.bytes_written = 0
        self.segments_written = 0
        self.unsupported: str | None = None
        self._disk_retry_at = 0.0

    # --- feeding ----------------------------------------------------------------------------

    def feed(self, packet: EncodedPacket) -> None:
        """Record one packet (a picture)."""
        if packet.codec != "h264":
            if self.unsupported != packet.codec:
                log.warning(
                    "recording %s/%s: codec %s is not recorded (H.264 only)",
                    self.camera_id,
                    self.stream,
                    packet.codec,
                )
            self.unsupported = packet.codec
            self.interrupt(f"codec {packet.codec} not recordable")
            return
        pts = (
            packet.pts * packet.time_base.numerator * fmp4.TIMESCALE // packet.time_base.denominator
        )
        wall = int(packet.wallclock * fmp4.TIMESCALE)
        try:
            self._feed(packet, pts, wall)
        except OSError as exc:
            self._write_failed(exc)

    def _feed(self, packet: EncodedPacket, pts: int, wall: int) -> None:
        seg = self.current
        if seg is not None:
            at = seg.start + (pts - seg.pts0)
            if abs(wall - at) > self.drift_ticks:
                self.interrupt("timestamp jump")
                seg = None
            elif packet.is_keyframe:
                params = fmp4.parameter_sets(packet.data)
                if at - seg.start >= self.segment_ticks or (params and params[0] != seg.sps):
                    self._close(seg, end=at)
                    self._start(packet, pts, at, params)  # continues the timeline: no gap
                    return
        if seg is None:
            if not packet.is_keyframe:
                return  # a segment starts on a keyframe
            if self.disk_full and time.monotonic() < self._disk_retry_at:
                return
            self._start(packet, pts, wall)
            return
        self._append(seg, seg.start + (pts - seg.pts0), packet)

    def _start(
        self,
        packet: EncodedPacket,
        pts: int,
        start: int,
        params: tuple[bytes, bytes] | None = None,
    ) -> None:
        params = params or fmp4.parameter_sets(packet.data)
        if params is None:
            return  # a keyframe without SPS/PPS: wait for one that has them
        sps, pps = params
        size = _sps_size(sps)
        begin = ticks_to_time(start)
        rel = self.store.new_path(self.camera_id, self.stream, begin)
        path = self.store.absolute(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        init = fmp4.init_segment(size[0] or 0, size[1] or 0, sps, pps)
        file = path.open("wb")
        try:
            file.write(init)
            file.flush()
        except OSError:
            file.close()
            path.unlink(missing_ok=True)
            raise
        if self.pending_reason is not None and self.last_end is not None:
            self.store.add_gap(
                self.camera_id, self.stream, self.last_end, begin, self.pending_reason
            )
        self.pending_reason = None
        seg_id = self.store.open_segment(self.camera_id, self.stream, begin, rel, "h264", size)
        self.current = _Open(seg_id, path, file, start, pts, size, sps, written=len(init))
        self.current.indexed_at = time.monotonic()
        self.bytes_written += len(init)
        if self.disk_full:
            log.warning("recording %s/%s: writing again", self.camera_id, self.stream)
        self.disk_full = False
        self._append(self.current, start, packet)

    def _append(self, seg: _Open, at: int, packet: EncodedPacket) -> None:
        if seg.prev is not None:
            prev_time, prev_data, prev_key = seg.prev
            step = at - prev_time
            if 0 < step < fmp4.TIMESCALE:
                seg.frame = step
            seg.fragment.append(fmp4.Sample(prev_time, max(1, step), prev_data, prev_key))
            if packet.is_keyframe or at - seg.fragment[0].time >= self.fragment_ticks:
                self._flush(seg)
        if packet.is_keyframe:
            seg.keyframes_ms.append((at - seg.start) * 1000 // fmp4.TIMESCALE)
        seg.prev = (at, fmp4.annexb_to_avcc(packet.data), packet.is_keyframe)

    def _flush(self, seg: _Open) -> None:
        if not seg.fragment:
            return
        seg.sequence += 1
        data = fmp4.fragment(seg.sequence, seg.fragment)
        end = seg.fragment[-1].time + seg.fragment[-1].duration
        seg.fragment = []
        try:
            seg.file.write(data)
            seg.file.flush()  # in the OS's hands: a kill -9 of this process loses nothing more
        except OSError:
            seg.file.seek(seg.written)  # never leave half a fragment behind
            seg.file.truncate()
            raise
        seg.written += len(data)
        seg.flushed_end = end
        self.bytes_written += len(data)
        now = time.monotonic()
        if now - seg.indexed_at >= INDEX_EVERY_S:
            seg.indexed_at = now
            self.store.update_segment(
                seg.id, ticks_to_time(seg.flushed_end), seg.written, seg.keyframes_ms, closed=False
            )

    # --- ending -----------------------------------------------------------------------------

    def interrupt(self, reason: str) -> None:
        """The stream stopped being recorded (offline, overflow, ...): close the segment; the
        time until the next one is a gap for `reason`."""
        seg = self.current
        if seg is not None:
            try:
                self._close(seg, end=None)
            except OSError as exc:
                self._write_failed(exc)
        if self.pending_reason is None and self.continuous:
            self.pending_reason = reason

    def close(self) -> None:
        """Stop recording (server stopping, camera no longer recorded)."""
        self.interrupt("recording stopped")

    def _close(self, seg: _Open, end: int | None) -> None:
        self.current = None
        try:
            if seg.prev is not None:
                prev_time, prev_data, prev_key = seg.prev
                duration = end - prev_time if end is not None and end > prev_time else seg.frame
                seg.fragment.append(fmp4.Sample(prev_time, duration, prev_data, prev_key))
                seg.prev = None
                self._flush(seg)
        finally:
            seg.file.close()
            finish = ticks_to_time(seg.flushed_end or seg.start)
            self.last_end = finish
            self.store.update_segment(seg.id, finish, seg.written, seg.keyframes_ms, closed=True)
            self.segments_written += 1

    def _write_failed(self, exc: OSError) -> None:
        """A write failed: the disk is full (or failing). What is written stays whole; packets
        are skipped until a retry, so live view (another subscriber) never notices."""
        seg = self.current
        self.current = None
        if seg is not None:
            seg.file.close()
            finish = ticks_to_time(seg.flushed_end or seg.start)
            self.last_end = finish
            try:
                self.store.update_segment(
                    seg.id, finish, seg.written, seg.keyframes_ms, closed=True
                )
            except Exception:
                log.exception("recording index update failed")
        reason = "disk full" if exc.errno == errno.ENOSPC else f"write failed: {exc.strerror}"
        if not self.disk_full:
            log.error("recording %s/%s: %s; retrying", self.camera_id, self.stream, reason)
        self.disk_full = True
        self._disk_retry_at = time.monotonic() + DISK_RETRY_S
        if self.pending_reason is None:
            self.pending_reason = reason


def _sps_size(sps: bytes) -> tuple[int | None, int | None]:
    found = h264_sps_size(sps)
    return (found[0], found[1]) if found else (None, None)
