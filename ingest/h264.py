"""H.264/H.265 bitstream helpers: Annex-B NAL scanning, parameter sets, SPS picture size.

Only what ingest needs to make every keyframe self-contained (SPS/PPS in band) and to notice a
mid-stream change of parameters; pictures are never decoded here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

START = b"\x00\x00\x00\x01"

# NAL unit types: (parameter-set types, sps type, aud type)
_H264_PARAMS = frozenset({7, 8})
_HEVC_PARAMS = frozenset({32, 33, 34})


def nal_type(codec: str, header: int) -> int:
    """The NAL unit type from the first header byte."""
    return header & 0x1F if codec == "h264" else (header >> 1) & 0x3F


def iter_nals(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each NAL payload (start code excluded) in an Annex-B buffer."""
    n = len(data)
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        start = i + 3
        j = data.find(b"\x00\x00\x01", start)
        end = n if j < 0 else j
        if j >= 0 and data[j - 1] == 0:
            end = j - 1  # four-byte start code
        if end > start:
            yield start, end
        i = j


def is_annexb(data: bytes) -> bool:
    return data.startswith(b"\x00\x00\x01") or data.startswith(START)


def avcc_to_annexb(extradata: bytes) -> bytes:
    """SPS/PPS of an avcC record (MP4/FLV extradata) as Annex-B; b"" if it is not avcC."""
    if len(extradata) < 7 or extradata[0] != 1:
        return b""
    out = bytearray()
    pos = 5
    try:
        for count_mask in (0x1F, 0xFF):
            count = extradata[pos] & count_mask
            pos += 1
            for _ in range(count):
                size = int.from_bytes(extradata[pos : pos + 2], "big")
                pos += 2
                out += START + extradata[pos : pos + size]
                pos += size
    except IndexError:
        return b""
    return bytes(out)


@dataclass(frozen=True, slots=True)
class ParameterSets:
    """The parameter-set NAL units found in one buffer, as one Annex-B blob, and the SPS."""

    annexb: bytes
    sps: bytes | None


def find_parameter_sets(codec: str, data: bytes) -> ParameterSets:
    """Collect the SPS/PPS (and VPS for HEVC) of an Annex-B buffer."""
    wanted = _H264_PARAMS if codec == "h264" else _HEVC_PARAMS
    sps_type = 7 if codec == "h264" else 33
    blob = bytearray()
    sps = None
    for start, end in iter_nals(data):
        t = nal_type(codec, data[start])
        if t in wanted:
            blob += START + data[start:end]
            if t == sps_type and sps is None:
                sps = data[start:end]
    return ParameterSets(bytes(blob), sps)


def insert_parameter_sets(codec: str, data: bytes, params: bytes) -> bytes:
    """`data` with `params` put in front of the picture (after an access unit delimiter)."""
    aud = 9 if codec == "h264" else 35
    for start, end in iter_nals(data):
        if nal_type(codec, data[start]) == aud:
            return data[:end] + params + data[end:]
        break
    return params + data


class _Bits:
    """Reads an RBSP (emulation-prevention bytes removed) bit by bit, with Exp-Golomb codes."""

    def __init__(self, nal: bytes) -> None:
        self.data = nal.replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def u(self, n: int) -> int:
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def _skip_scaling_list(r: _Bits, size: int) -> None:
    last = nxt = 8
    for _ in range(size):
        if nxt:
            nxt = (last + r.se()) % 256
        last = nxt or last


def h264_sps_size(sps: bytes) -> tuple[int, int] | None:
    """Picture (width, height) from an H.264 SPS NAL (header byte included), None if unreadable."""
    try:
        r = _Bits(sps)
        r.u(8)  # NAL header
        profile = r.u(8)
        r.u(16)  # constraint flags, level
        r.ue()  # sps id
        chroma = 1
        if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
            chroma = r.ue()
            if chroma == 3:
                r.u(1)
            r.ue()
            r.ue()
            r.u(1)
            if r.u(1):
                for i in range(8 if chroma != 3 else 12):
                    if r.u(1):
                        _skip_scaling_list(r, 16 if i < 6 else 64)
        r.ue()  # log2_max_frame_num
        poc_type = r.ue()
        if poc_type == 0:
            r.ue()
        elif poc_type == 1:
            r.u(1)
            r.se()
            r.se()
            for _ in range(r.ue()):
                r.se()
        r.ue()  # max_num_ref_frames
        r.u(1)
        mbs_w = r.ue() + 1
        map_units_h = r.ue() + 1
        frame_mbs_only = r.u(1)
        if not frame_mbs_only:
            r.u(1)
        r.u(1)
        width = mbs_w * 16
        height = (2 - frame_mbs_only) * map_units_h * 16
        if r.u(1):  # frame cropping
            left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
            sub_w = 2 if chroma in (1, 2) else 1
            sub_h = (2 if chroma == 1 else 1) * (2 - frame_mbs_only)
            width -= (left + right) * sub_w
            height -= (top + bottom) * sub_h
        return width, height
    except (IndexError, ValueError):
        return None


def hevc_sps_size(sps: bytes) -> tuple[int, int] | None:
    """Picture (width, height) from an H.265 SPS NAL (2-byte header included), None if unreadable.

    The conformance window is applied, so 1080p reads as 1920x1080, not the coded 1920x1088.
    """
    try:
        r = _Bits(sps)
        r.u(16)  # NAL header
        r.u(4)  # vps id
        sub_layers = r.u(3)  # sps_max_sub_layers_minus1
        r.u(1)
        r.u(96)  # general profile_tier_level: space, tier, profile, flags, level
        present = [(r.u(1), r.u(1)) for _ in range(sub_layers)]
        if sub_layers:
            r.u(2 * (8 - sub_layers))  # reserved_zero_2bits
        for profile_present, level_present in present:
            r.u(88 if profile_present else 0)
            r.u(8 if level_present else 0)
        r.ue()  # sps id
        chroma = r.ue()
        if chroma == 3 and r.u(1):  # separate colour planes: no chroma subsampling to crop by
            chroma = 0
        width, height = r.ue(), r.ue()
        if r.u(1):  # conformance window
            left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
            sub_w = 2 if chroma in (1, 2) else 1
            sub_h = 2 if chroma == 1 else 1
            width -= (left + right) * sub_w
            height -= (top + bottom) * sub_h
        if width <= 0 or height <= 0:
            return None
        return width, height
    except (IndexError, ValueError):
        return None
