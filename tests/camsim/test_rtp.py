"""RFC 6184 packetization round-trips, and the header fields are where RFC 3550 puts them."""

from __future__ import annotations

import struct

from camsim.h264 import split_nals
from camsim.rtp import MAX_PAYLOAD, interleave, packetize, rtp_packets, sender_report
from tests.camsim.rtsp_client import depacketize


def test_small_and_large_nals_round_trip() -> None:
    big = bytes([0x65]) + bytes(range(256)) * 20  # an IDR slice needing FU-A
    au = (
        b"\x00\x00\x00\x01\x67\x42\xc0\x1e"
        + b"\x00\x00\x01\x68\xce\x3c\x80"
        + b"\x00\x00\x01"
        + big
    )
    payloads = packetize(au)
    assert all(len(p) <= MAX_PAYLOAD for p in payloads)
    assert payloads[0] == b"\x67\x42\xc0\x1e" and payloads[1] == b"\x68\xce\x3c\x80"
    fu = payloads[2:]
    assert len(fu) == -(-(len(big) - 1) // (MAX_PAYLOAD - 2))
    assert all(p[0] & 0x1F == 28 for p in fu)
    assert fu[0][1] & 0x80 and not fu[0][1] & 0x40
    assert fu[-1][1] & 0x40 and not fu[-1][1] & 0x80
    assert split_nals(depacketize(list(payloads))) == split_nals(au)


def test_headers_sequence_and_marker() -> None:
    packets = rtp_packets((b"\x67a", b"\x68b", b"\x65c"), seq=65534, timestamp=2**32 + 5, ssrc=7)
    heads = [struct.unpack("!BBHII", p[:12]) for p in packets]
    assert [h[2] for h in heads] == [65534, 65535, 0]  # wraps
    assert [h[1] >> 7 for h in heads] == [0, 0, 1]  # marker on the last packet only
    assert {h[1] & 0x7F for h in heads} == {96}
    assert {h[3] for h in heads} == {5} and {h[4] for h in heads} == {7}


def test_interleaved_framing_and_sender_report() -> None:
    blob = interleave([b"abc", b"defgh"], 2)
    assert blob == b"$\x02\x00\x03abc$\x02\x00\x05defgh"
    sr = sender_report(0xDEADBEEF, 1234, 10, 1000)
    version, kind, length, ssrc = struct.unpack("!BBHI", sr[:8])
    assert (version >> 6, kind, (length + 1) * 4, ssrc) == (2, 200, len(sr), 0xDEADBEEF)
    assert struct.unpack("!III", sr[16:28]) == (1234, 10, 1000)
