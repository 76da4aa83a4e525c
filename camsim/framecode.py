"""The frame index code: a strip of big black/white blocks at the top of every picture.

Block 0 is white and block 1 black (references for the threshold), then `BITS` data blocks
(most significant first) and one even-parity block. Blocks are squares of `block_size(width)`
pixels (16 at 640 wide, aligned to H.264 macroblocks), large enough to survive compression,
so a viewer can read which loop frame it shows and, with the simulator's send schedule, how
late it shows it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BITS = 12
MAX_INDEX = (1 << BITS) - 1
_BLOCKS = 2 + BITS + 1
_MIN_CONTRAST = 64.0

Image = npt.NDArray[np.uint8]


def block_size(width: int) -> int:
    """Side of one code block for a picture this wide (16 px at 640, scaled, at least 4)."""
    return max(4, round(width / 40))


def strip_height(width: int) -> int:
    """Rows at the top of the picture that the code occupies."""
    return block_size(width)


def draw_index(image: Image, index: int) -> None:
    """Paint `index` (0..MAX_INDEX) into the top strip of an RGB or gray picture, in place."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index must be within 0..{MAX_INDEX}")
    b = block_size(image.shape[1])
    if b * _BLOCKS > image.shape[1]:
        raise ValueError("picture too narrow for the frame code")
    image[:b, : b * _BLOCKS] = 0
    for slot, on in enumerate(_pattern(index)):
        if on:
            image[:b, slot * b : (slot + 1) * b] = 255


def read_index(rgb: Image) -> int | None:
    """The frame index drawn by `draw_index`, or None if the picture carries no readable code."""
    if rgb.ndim not in (2, 3) or rgb.shape[1] < 4 * _BLOCKS:
        return None
    b = block_size(rgb.shape[1])
    if b * _BLOCKS > rgb.shape[1] or b > rgb.shape[0]:
        return None
    lo, hi = b // 4, b - b // 4
    levels = []
    for slot in range(_BLOCKS):
        cell = rgb[lo:hi, slot * b + lo : slot * b + hi]
        levels.append(float(cell.mean()))
    white, black = levels[0], levels[1]
    if white - black < _MIN_CONTRAST:
        return None
    threshold = (white + black) / 2
    margin = (white - black) / 4
    if any(abs(level - threshold) < margin for level in levels[2:]):
        return None  # a block neither clearly black nor clearly white: not our code
    bits = [level > threshold for level in levels[2:]]
    if sum(bits) % 2:
        return None
    value = 0
    for bit in bits[:BITS]:
        value = (value << 1) | int(bit)
    return value


def _pattern(index: int) -> list[bool]:
    data = [bool((index >> (BITS - 1 - i)) & 1) for i in range(BITS)]
    return [True, False, *data, sum(data) % 2 == 1]
