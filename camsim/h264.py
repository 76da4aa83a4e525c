"""H.264 bitstream helpers: split Annex-B access units into NAL units, and describe the stream
in SDP terms (profile-level-id, sprop-parameter-sets) from its SPS and PPS."""

from __future__ import annotations

import base64
import re

NAL_SPS = 7
NAL_PPS = 8
NAL_IDR = 5
_START = re.compile(b"\x00\x00\x01")


def split_nals(annexb: bytes) -> list[bytes]:
    """The NAL units of an Annex-B buffer, start codes (3 or 4 bytes) removed."""
    nals: list[bytes] = []
    starts = [m.end() for m in _START.finditer(annexb)]
    for i, begin in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(annexb)
        nal = annexb[begin:end]
        if i + 1 < len(starts) and nal.endswith(b"\x00"):
            nal = nal[:-1]  # the leading zero of the next 4-byte start code
        if nal:
            nals.append(nal)
    return nals


def nal_type(nal: bytes) -> int:
    """The nal_unit_type of a NAL unit (low five bits of its first byte)."""
    return nal[0] & 0x1F


def parameter_sets(annexb: bytes) -> tuple[bytes, bytes]:
    """The first SPS and PPS found in an access unit; ValueError if either is missing."""
    sps = pps = None
    for nal in split_nals(annexb):
        kind = nal_type(nal)
        if kind == NAL_SPS and sps is None:
            sps = nal
        elif kind == NAL_PPS and pps is None:
            pps = nal
    if sps is None or pps is None:
        raise ValueError("access unit carries no SPS/PPS")
    return sps, pps


def profile_level_id(sps: bytes) -> str:
    """The SDP profile-level-id: profile_idc, constraint flags and level_idc, as hex."""
    return sps[1:4].hex().upper()


def sprop_parameter_sets(sps: bytes, pps: bytes) -> str:
    """The SDP sprop-parameter-sets value: base64 SPS and PPS, comma-separated."""
    return ",".join(base64.b64encode(n).decode("ascii") for n in (sps, pps))
