"""Encoded loops are what browsers and cameras expect: constrained baseline, fixed GOP,
SPS/PPS on every IDR, no B-frames, one access unit per frame."""

from __future__ import annotations

import av

from camsim.encoder import LoopParams, encode_loop
from camsim.h264 import NAL_IDR, NAL_PPS, NAL_SPS, nal_type, profile_level_id, split_nals


def test_loop_structure() -> None:
    params = LoopParams(3, "sub", 160, 96, 15, 5, 2, 100)
    loop = encode_loop(params)
    assert len(loop.frames) == 10
    assert loop.keyframes == tuple(i % 5 == 0 for i in range(10))
    for frame, key in zip(loop.frames, loop.keyframes, strict=True):
        kinds = [nal_type(n) for n in split_nals(frame)]
        if key:
            assert NAL_SPS in kinds and NAL_PPS in kinds and NAL_IDR in kinds
        else:
            assert NAL_SPS not in kinds and NAL_IDR not in kinds
    sps, _ = loop.sps_pps
    plid = profile_level_id(sps)
    assert plid[:2] == "42" and int(plid[2:4], 16) & 0x40, plid  # constrained baseline


def test_decodes_in_order_without_reordering() -> None:
    loop = encode_loop(LoopParams(1, "main", 320, 180, 15, 5, 1, 200))
    ctx = av.CodecContext.create("h264", "r")
    sizes = []
    for i, data in enumerate(loop.frames):
        packet = av.Packet(data)
        packet.pts = i
        for frame in ctx.decode(packet):
            sizes.append((frame.pts, frame.width, frame.height))
    # No B-frames: each frame comes out as soon as it goes in.
    assert sizes == [(i, 320, 180) for i in range(5)]


def test_grain_makes_the_encoder_spend_its_bitrate() -> None:
    plain = encode_loop(LoopParams(4, "sub", 320, 180, 15, 15, 1, 600))
    grainy = encode_loop(LoopParams(4, "sub", 320, 180, 15, 15, 1, 600, grain=24))
    plain_kbps = sum(map(len, plain.frames)) * 8 / 1000  # one second of pictures
    grainy_kbps = sum(map(len, grainy.frames)) * 8 / 1000
    assert grainy_kbps > 2 * plain_kbps, (plain_kbps, grainy_kbps)
    assert grainy_kbps > 0.6 * 600, grainy_kbps
