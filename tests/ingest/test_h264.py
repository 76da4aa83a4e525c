"""H.264 helpers on real encoder output (PyAV's libx264) and hand-made buffers."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from ingest.h264 import (
    avcc_to_annexb,
    find_parameter_sets,
    h264_sps_size,
    hevc_sps_size,
    insert_parameter_sets,
    iter_nals,
    nal_type,
)


def encode_keyframe(width: int, height: int, encoder: str = "libx264") -> tuple[bytes, bytes]:
    """(first packet, extradata) from libx264/libx265 (parameter sets in band and in extradata)."""
    ctx = av.CodecContext.create(encoder, "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, 15)
    if encoder == "libx264":
        ctx.options = {"tune": "zerolatency", "preset": "ultrafast"}
    else:
        ctx.options = {"preset": "ultrafast", "x265-params": "log-level=none"}
    frame = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), np.uint8), format="rgb24")
    frame = frame.reformat(format="yuv420p")
    frame.pts = 0
    packets = ctx.encode(frame) + ctx.encode(None)
    return bytes(packets[0]), bytes(ctx.extradata or b"")


@pytest.mark.parametrize(("w", "h"), [(320, 240), (1280, 720), (1920, 1080), (176, 144)])
def test_sps_size_of_real_encoder_output(w: int, h: int) -> None:
    data, _ = encode_keyframe(w, h)
    found = find_parameter_sets("h264", data)
    assert found.sps is not None
    assert h264_sps_size(found.sps) == (w, h)


@pytest.mark.parametrize(("w", "h"), [(320, 240), (1920, 1080), (642, 362), (176, 144)])
def test_hevc_sps_size_of_real_encoder_output(w: int, h: int) -> None:
    data, _ = encode_keyframe(w, h, "libx265")
    found = find_parameter_sets("hevc", data)
    assert found.sps is not None and nal_type("hevc", found.sps[0]) == 33
    assert hevc_sps_size(found.sps) == (w, h)


def test_insert_parameter_sets_after_aud() -> None:
    aud = b"\x00\x00\x00\x01\x09\x10"
    idr = b"\x00\x00\x00\x01\x65\x88\x84"
    params = b"\x00\x00\x00\x01\x67\x42\x00\x00\x00\x01\x68\xce"
    out = insert_parameter_sets("h264", aud + idr, params)
    assert [nal_type("h264", out[s]) for s, _ in iter_nals(out)] == [9, 7, 8, 5]
    out = insert_parameter_sets("h264", idr, params)
    assert [nal_type("h264", out[s]) for s, _ in iter_nals(out)] == [7, 8, 5]


def test_avcc_to_annexb() -> None:
    sps, pps = b"\x67\x42\xc0\x1e", b"\x68\xce\x3c\x80"
    avcc = bytes([1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1]) + len(sps).to_bytes(2, "big") + sps
    avcc += bytes([1]) + len(pps).to_bytes(2, "big") + pps
    assert avcc_to_annexb(avcc) == b"\x00\x00\x00\x01" + sps + b"\x00\x00\x00\x01" + pps
    assert avcc_to_annexb(b"\x00\x00\x00\x01\x67") == b""


def test_garbage_sps_is_none_not_an_exception() -> None:
    assert h264_sps_size(b"\x67") is None
    assert hevc_sps_size(b"\x42\x01\x01") is None
