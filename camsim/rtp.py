"""RTP for H.264 (RFC 6184) and RTCP sender reports (RFC 3550), as plain byte building.

Access units are split into payloads once, when a loop is loaded (single NAL unit packets, or
FU-A fragments for NAL units larger than the MTU); per frame sent only the 12-byte headers
are built, so the per-tick cost stays small.
"""

from __future__ import annotations

import struct
import time

from camsim.h264 import split_nals

PAYLOAD_TYPE = 96
CLOCK_RATE = 90_000
MAX_PAYLOAD = 1400
_FU_A = 28
_NAL_AUD = 9
_NTP_EPOCH_OFFSET = 2_208_988_800
_HEADER = struct.Struct("!BBHII")
_INTERLEAVED = struct.Struct("!BBH")


def packetize(access_unit: bytes, max_payload: int = MAX_PAYLOAD) -> tuple[bytes, ...]:
    """RTP payloads for one Annex-B access unit, in order; the last one gets the marker bit."""
    payloads: list[bytes] = []
    for nal in split_nals(access_unit):
        if nal[0] & 0x1F == _NAL_AUD:
            continue
        if len(nal) <= max_payload:
            payloads.append(nal)
            continue
        indicator = (nal[0] & 0xE0) | _FU_A
        kind = nal[0] & 0x1F
        body = nal[1:]
        step = max_payload - 2
        chunks = [body[i : i + step] for i in range(0, len(body), step)]
        for i, chunk in enumerate(chunks):
            header = kind | (0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0)
            payloads.append(bytes((indicator, header)) + chunk)
    return tuple(payloads)


def rtp_packets(payloads: tuple[bytes, ...], seq: int, timestamp: int, ssrc: int) -> list[bytes]:
    """Whole RTP packets for one frame's payloads, numbered from `seq` (mod 2^16)."""
    last = len(payloads) - 1
    ts = timestamp & 0xFFFFFFFF
    return [
        _HEADER.pack(0x80, PAYLOAD_TYPE | (0x80 if i == last else 0), (seq + i) & 0xFFFF, ts, ssrc)
        + payload
        for i, payload in enumerate(payloads)
    ]


def interleave(packets: list[bytes], channel: int) -> bytes:
    """The packets framed for RTSP interleaved TCP (`$`, channel, length), in one buffer."""
    return b"".join(_INTERLEAVED.pack(0x24, channel, len(p)) + p for p in packets)


def sender_report(ssrc: int, rtp_timestamp: int, packets: int, octets: int) -> bytes:
    """An RTCP SR (no report blocks) tying `rtp_timestamp` to the wall clock now."""
    now = time.time() + _NTP_EPOCH_OFFSET
    ntp_hi = int(now)
    ntp_lo = int((now - ntp_hi) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(
        "!BBHIIIIII",
        0x80,
        200,
        6,
        ssrc,
        ntp_hi & 0xFFFFFFFF,
        ntp_lo,
        rtp_timestamp & 0xFFFFFFFF,
        packets & 0xFFFFFFFF,
        octets & 0xFFFFFFFF,
    )
