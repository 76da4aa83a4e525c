"""The frame index code survives H.264: read_index recovers every index from decoded frames."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from camsim import framecode
from camsim.encoder import LoopParams
from camsim.loop_cache import load_or_encode
from camsim.picture import render


def decode_all(frames: tuple[bytes, ...]) -> list[np.ndarray]:
    ctx = av.CodecContext.create("h264", "r")
    pictures = []
    for data in frames:
        for frame in ctx.decode(av.Packet(data)):
            pictures.append(frame.to_ndarray(format="rgb24"))
    for frame in ctx.decode(None):
        pictures.append(frame.to_ndarray(format="rgb24"))
    return pictures


@pytest.mark.parametrize(
    ("width", "height", "kbps", "grain"),
    [(320, 180, 150, 0), (640, 360, 400, 0), (640, 360, 1000, 24)],
)
def test_indices_survive_encoding(
    tmp_path: Path, width: int, height: int, kbps: int, grain: int
) -> None:
    params = LoopParams(5, "main", width, height, 15, 10, 3, kbps, grain=grain)
    loop = load_or_encode(params, tmp_path)
    pictures = decode_all(loop.frames)
    assert len(pictures) == 30
    assert [framecode.read_index(p) for p in pictures] == list(range(30))


def test_every_code_value_round_trips_on_raw_pictures() -> None:
    image = render(1, "cam 1 main", 0, 30, 320, 180)
    for index in (0, 1, 2, 7, 100, 1365, 2730, framecode.MAX_INDEX):
        framecode.draw_index(image, index)
        assert framecode.read_index(image) == index


def test_pictures_without_a_code_read_as_none() -> None:
    flat = np.full((180, 320, 3), 90, dtype=np.uint8)
    assert framecode.read_index(flat) is None
    noise = np.random.default_rng(1).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    assert framecode.read_index(noise) is None
    tiny = np.zeros((4, 20, 3), dtype=np.uint8)
    assert framecode.read_index(tiny) is None


def test_a_flipped_bit_fails_parity() -> None:
    image = render(1, "cam 1 main", 0, 30, 640, 360)
    framecode.draw_index(image, 5)
    b = framecode.block_size(640)
    slot = 2 + framecode.BITS - 1  # least significant data bit (set for 5)
    image[:b, slot * b : (slot + 1) * b] = 0
    assert framecode.read_index(image) is None


def test_out_of_range_index_is_refused() -> None:
    image = np.zeros((180, 320, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="frame index"):
        framecode.draw_index(image, framecode.MAX_INDEX + 1)
