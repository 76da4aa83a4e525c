"""Fragmented MP4 (ISO BMFF) for H.264, written and read by us, without re-encoding.

One video track, timescale 90 kHz. The decode time of every fragment (`tfdt`) counts 90 kHz
ticks since the Unix epoch of the wall clock, so a file - a recorded segment or a playback
window - says by itself where in real time each picture is, and consecutive windows line up.
Pictures keep their bytes: Annex-B start codes become 4-byte lengths (what MP4 requires),
nothing else changes; SPS/PPS stay in band as the camera sent them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ingest.h264 import iter_nals

TIMESCALE = 90_000
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_KEY_FLAGS = 0x02000000  # sample_depends_on = 2 (an I picture)
_DELTA_FLAGS = 0x01010000  # depends on others, not a sync sample


class Fmp4Error(ValueError):
    """The stream cannot be written as MP4 (no SPS/PPS yet) or a file is not ours."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One picture: its decode time (90 kHz ticks since the epoch), duration, bytes (AVCC)."""

    time: int
    duration: int
    data: bytes
    keyframe: bool


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def annexb_to_avcc(data: bytes) -> bytes:
    """Annex-B (start codes) to MP4 sample form (each NAL unit prefixed by its 4-byte length)."""
    out = bytearray()
    for start, end in iter_nals(data):
        out += struct.pack(">I", end - start) + data[start:end]
    return bytes(out)


def parameter_sets(data: bytes) -> tuple[bytes, bytes] | None:
    """The first SPS and PPS of an Annex-B H.264 picture, or None when it carries none.

    Parameter sets come before the picture's slices, so the scan stops at the first slice
    instead of running through the picture's bytes (most of a keyframe)."""
    sps = pps = None
    n = len(data)
    i = data.find(b"\x00\x00\x01")
    while i >= 0 and i + 3 < n:
        start = i + 3
        kind = data[start] & 0x1F
        if 1 <= kind <= 5:
            break  # a slice: no parameter set follows within this picture
        j = data.find(b"\x00\x00\x01", start)
        end = n if j < 0 else (j - 1 if data[j - 1] == 0 else j)
        if kind == 7 and sps is None:
            sps = data[start:end]
        elif kind == 8 and pps is None:
            pps = data[start:end]
        i = j
    if sps is None or pps is None or len(sps) < 4:
        return None
    return sps, pps


def init_segment(width: int, height: int, sps: bytes, pps: bytes) -> bytes:
    """ftyp + moov of a one-track H.264 fragmented MP4."""
    avcc = box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)),
        sps,
        b"\x01",
        struct.pack(">H", len(pps)),
        pps,
    )
    avc1 = box(
        b"avc1",
        b"\x00" * 6,
        struct.pack(">H", 1),  # data reference index
        b"\x00" * 16,
        struct.pack(">HHIIIH", width, height, 0x00480000, 0x00480000, 0, 1),
        b"\x00" * 32,  # compressor name
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        full_box(b"stts", 0, 0, struct.pack(">I", 0)),
        full_box(b"stsc", 0, 0, struct.pack(">I", 0)),
        full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0)),
        full_box(b"stco", 0, 0, struct.pack(">I", 0)),
    )
    minf = box(
        b"minf",
        full_box(b"vmhd", 0, 1, b"\x00" * 8),
        box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = box(
        b"mdia",
        full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, 0, 0x55C4, 0)),
        full_box(b"hdlr", 0, 0, b"\x00" * 4, b"vide", b"\x00" * 12, b"VideoHandler\x00"),
        minf,
    )
    tkhd = full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, 0),
        b"\x00" * 8,
        struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mvhd = full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIIH", 0, 0, 1000, 0, 0x00010000, 0x0100),
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),
    )
    mvex = box(b"mvex", full_box(b"trex", 0, 0, struct.pack(">IIIII", 1, 1, 0, 0, 0)))
    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso6avc1mp41")
    return ftyp + box(b"moov", mvhd, box(b"trak", tkhd, mdia), mvex)


def fragment(sequence: int, samples: Sequence[Sample]) -> bytes:
    """moof + mdat of consecutive samples; the first sample's time is the fragment's tfdt."""
    if not samples:
        raise Fmp4Error("a fragment needs at least one sample")
    entries = b"".join(
        struct.pack(">III", s.duration, len(s.data), _KEY_FLAGS if s.keyframe else _DELTA_FLAGS)
        for s in samples
    )
    trun_size = 12 + 8 + len(entries)
    # moof = 8 + mfhd 16 + traf(8 + tfhd 16 + tfdt 20 + trun)
    moof_size = 8 + 16 + 8 + 16 + 20 + trun_size
    trun = full_box(b"trun", 0, 0x000701, struct.pack(">Ii", len(samples), moof_size + 8), entries)
    traf = box(
        b"traf",
        full_box(b"tfhd", 0, 0x020000, struct.pack(">I", 1)),
        full_box(b"tfdt", 1, 0, struct.pack(">Q", samples[0].time)),
        trun,
    )
    moof = box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", sequence)), traf)
    assert len(moof) == moof_size
    return moof + box(b"mdat", *(s.data for s in samples))


# --- reading our own files ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What a reader found: the init segment, the samples, and where the last whole fragment
    ends (a file cut by a crash is good up to `complete_bytes`)."""

    init: bytes
    samples: list[Sample]
    complete_bytes: int


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each whole box in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size < 8 or pos + size > end:
            return
        yield kind, pos + 8, pos + size
        pos += size


def parse(data: bytes) -> ParsedFile:
    """Read a fragmented MP4 written by `init_segment` + `fragment` (possibly cut short)."""
    init_end = 0
    samples: list[Sample] = []
    complete = 0
    pending: list[tuple[int, int, int, bool]] | None = None  # (time, duration, size, key)
    for kind, payload, end in _boxes(data, 0, len(data)):
        if kind in (b"ftyp", b"moov"):
            init_end = end
            complete = end
        elif kind == b"moof":
            pending = _parse_moof(data, payload, end)
        elif kind == b"mdat" and pending is not None:
            pos = payload
            for time, duration, size, key in pending:
                if pos + size > end:
                    raise Fmp4Error("mdat shorter than its moof says")
                samples.append(Sample(time, duration, data[pos : pos + size], key))
                pos += size
            pending = None
            complete = end
    if init_end == 0:
        raise Fmp4Error("no MP4 init segment (ftyp/moov)")
    return ParsedFile(data[:init_end], samples, complete)


def _parse_moof(data: bytes, start: int, end: int) -> list[tuple[int, int, int, bool]]:
    base = 0
    out: list[tuple[int, int, int, bool]] = []
    for kind, payload, traf_end in _boxes(data, start, end):
        if kind != b"traf":
            continue
        for sub, p, _e in _boxes(data, payload, traf_end):
            if sub == b"tfdt":
                version = data[p]
                base = (
                    struct.unpack_from(">Q", data, p + 4)[0]
                    if version == 1
                    else struct.unpack_from(">I", data, p + 4)[0]
                )
            elif sub == b"trun":
                flags = struct.unpack_from(">I", data, p)[0] & 0xFFFFFF
                if flags != 0x000701:
                    raise Fmp4Error("not a fragment written by this server")
                count = struct.unpack_from(">I", data, p + 4)[0]
                pos = p + 12
                time = base
                for _ in range(count):
                    duration, size, sflags = struct.unpack_from(">III", data, pos)
                    out.append((time, duration, size, sflags == _KEY_FLAGS))
                    time += duration
                    pos += 12
    return out
