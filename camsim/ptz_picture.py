"""The picture a PTZ camera sends: a view window over a larger scene.

The scene (three times the picture in each direction: a labelled grid of coloured cells) is
drawn once per camera and size. Pan and tilt move the window over it, zoom shrinks the window
(up to 4x). Each picture carries the frame index code in its top strip, the head's move counter
as a second code strip below it, and the position as text, so a viewer can tell which command
it shows.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from camsim import framecode
from camsim.framecode import Image
from camsim.picture import camera_colour

SCENE_SCALE = 3
MAX_ZOOM = 4.0
_CELLS = 8


@lru_cache(maxsize=64)
def scene(camera: int, width: int, height: int) -> Image:
    """The whole scene a camera can see (read-only; shared between pictures)."""
    sw, sh = width * SCENE_SCALE, height * SCENE_SCALE
    image = np.empty((sh, sw, 3), dtype=np.uint8)
    image[:] = camera_colour(camera)
    cw, ch = sw / _CELLS, sh / _CELLS
    for row in range(_CELLS):
        for col in range(_CELLS):
            x0, y0 = int(col * cw), int(row * ch)
            shade = 40 + ((row * 5 + col * 3) % 8) * 25
            colour = (shade, 255 - shade, (row * 40 + col * 20) % 256)
            cv2.rectangle(image, (x0 + 4, y0 + 4), (int(x0 + cw) - 4, int(y0 + ch) - 4), colour, -1)
            label = f"{chr(65 + row)}{col + 1}"
            scale = ch / 60
            cv2.putText(
                image,
                label,
                (x0 + int(cw * 0.2), y0 + int(ch * 0.7)),
                cv2.FONT_HERSHEY_DUPLEX,
                scale,
                (0, 0, 0),
                max(1, int(scale * 2)),
                cv2.LINE_AA,
            )
    image.flags.writeable = False
    return image


def window(
    pan: float, tilt: float, zoom: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the view window in scene pixels; tilt +1 looks up (towards row A)."""
    sw, sh = width * SCENE_SCALE, height * SCENE_SCALE
    factor = 1.0 + (MAX_ZOOM - 1.0) * max(0.0, min(1.0, zoom))
    ww, wh = int(sw / 2 / factor), int(sh / 2 / factor)
    cx = sw / 2 + pan * (sw - ww) / 2
    cy = sh / 2 - tilt * (sh - wh) / 2
    x = int(max(0, min(sw - ww, cx - ww / 2)))
    y = int(max(0, min(sh - wh, cy - wh / 2)))
    return x, y, ww, wh


def render(
    camera: int,
    position: tuple[float, float, float],
    moves: int,
    index: int,
    loop_frames: int,
    width: int,
    height: int,
) -> Image:
    """RGB picture `index` of a loop showing the view at `position` after `moves` commands."""
    pan, tilt, zoom = position
    x, y, ww, wh = window(pan, tilt, zoom, width, height)
    crop = scene(camera, width, height)[y : y + wh, x : x + ww]
    image: Image = np.ascontiguousarray(
        cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR), dtype=np.uint8
    )
    b = framecode.strip_height(width)
    phase = 2 * math.pi * index / loop_frames
    cx = int(width / 2 + width * 0.4 * math.cos(phase))
    cv2.circle(image, (cx, height - 4 * b), max(3, b // 2), (250, 200, 40), -1, cv2.LINE_AA)
    scale = height / 360
    cv2.putText(
        image,
        f"cam {camera} P{pan:+.2f} T{tilt:+.2f} Z{zoom:.2f} #{moves}",
        (max(2, int(8 * scale)), height - max(4, int(10 * scale))),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6 * scale,
        (255, 255, 255),
        max(1, int(2 * scale)),
        cv2.LINE_AA,
    )
    framecode.draw_index(image, index)
    framecode.draw_index(image[b:], moves % (framecode.MAX_INDEX + 1))
    return image


def read_moves(rgb: Image) -> int | None:
    """The move counter stamped by `render` (mod 4096), None if unreadable."""
    b = framecode.strip_height(rgb.shape[1])
    return framecode.read_index(rgb[b:])
