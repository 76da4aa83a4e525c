"""Turns a camera's timestamps into one monotonic, continuous timeline.

Cameras restart their clocks on reboot, jump when their NTP sync kicks in, and MPEG/RTP
timestamps wrap at 2^33. Consumers (WebRTC, recorder) need pts that never go backwards and
advance by about one frame per frame, so each input step is checked: a normal step is kept,
a 33-bit wrap is unwrapped, and anything else (backwards, or a jump larger than `max_gap_s`)
is a discontinuity: the timeline is rebased to continue one frame after the last output.
"""

from __future__ import annotations

from fractions import Fraction

OUT_TIME_BASE = Fraction(1, 90_000)
_OUT_HZ = 90_000


class PtsNormaliser:
    """Maps raw (pts, time_base) pairs of one stream to monotonic pts in `OUT_TIME_BASE`."""

    def __init__(
        self, *, max_gap_s: float = 5.0, wrap_bits: int = 33, default_fps: float = 25.0
    ) -> None:
        self.max_gap = int(max_gap_s * _OUT_HZ)
        self.wrap = 1 << wrap_bits
        self.frame = max(1, int(_OUT_HZ / default_fps))  # last good step, used to bridge gaps
        self.discontinuities = 0
        self._last_raw: int | None = None  # in the source's time base
        self._last_in = 0  # the source's timeline, unwrapped, in 1/90000
        self._offset = 0  # output = input + offset; changed only at a discontinuity
        self._last_out: int | None = None

    @property
    def last_pts(self) -> int | None:
        return self._last_out

    def restart(self) -> None:
        """The source reconnected: its next timestamp starts a new segment of the timeline."""
        self._last_raw = None

    def convert(self, raw: int | None, time_base: Fraction) -> int:
        """The output pts (1/90000 s) for one packet's raw timestamp."""
        last_out = self._last_out
        if raw is None:  # no timestamp: one frame on, without touching the mapping
            out = 0 if last_out is None else last_out + self.frame
            self._last_out = out
            return out
        last_raw = self._last_raw
        self._last_raw = raw
        if last_raw is None or last_out is None:
            self._last_in = _rescale(raw, time_base)
            start = 0 if last_out is None else last_out + self.frame
            self._offset = start - self._last_in
        else:
            step_raw = raw - last_raw
            if step_raw < -(self.wrap >> 1):
                step_raw += self.wrap  # the 33-bit counter wrapped
            step = _rescale(step_raw, time_base)
            self._last_in += step
            if 0 < step <= self.max_gap:
                if step < self.max_gap // 4:
                    self.frame = step
            elif step != 0:  # backwards, or a jump: rebase one frame after the last output
                self.discontinuities += 1
                self._offset = last_out + self.frame - self._last_in
        out = self._last_in + self._offset
        if last_out is not None and out < last_out:
            out = last_out  # after a frame without timestamp: never go back
        self._last_out = out
        return out


def _rescale(value: int, time_base: Fraction) -> int:
    return value * time_base.numerator * _OUT_HZ // time_base.denominator
