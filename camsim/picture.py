"""Draws one simulated camera picture: its number big in the middle, moving content, and the
frame index code at the top, so a person (or a test) can tell cameras and frames apart."""

from __future__ import annotations

import math

import cv2
import numpy as np

from camsim import framecode
from camsim.framecode import Image


def camera_colour(camera: int) -> tuple[int, int, int]:
    """A dark background colour that differs from one camera to the next (RGB)."""
    hue = (camera * 47) % 180
    hsv = np.array([[[hue, 160, 90]]], dtype=np.uint8)
    r, g, b = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
    return int(r), int(g), int(b)


def render(
    camera: int,
    label: str,
    index: int,
    loop_frames: int,
    width: int,
    height: int,
    *,
    grain: int = 0,
) -> Image:
    """RGB picture `index` of a `loop_frames` loop for `camera`; the loop wraps seamlessly.
    `grain` > 0 adds noise of that amplitude, new in every picture, under the number, the
    label and the frame code: like a real sensor's, it makes the encoder spend its bitrate."""
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = camera_colour(camera)
    phase = 2 * math.pi * index / loop_frames
    _draw_motion(image, phase)
    if grain:
        _add_grain(image, grain, seed=camera * 1_000_003 + index)
    _draw_number(image, str(camera))
    scale = height / 360
    cv2.putText(
        image,
        f"{label} {width}x{height}  {index:04d}",
        (max(2, int(8 * scale)), height - max(4, int(10 * scale))),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6 * scale,
        (230, 230, 230),
        max(1, int(2 * scale)),
        cv2.LINE_AA,
    )
    framecode.draw_index(image, index)
    return image


def _add_grain(image: Image, amplitude: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    noise = rng.integers(-amplitude, amplitude + 1, size=image.shape, dtype=np.int16)
    image[:] = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def _draw_motion(image: Image, phase: float) -> None:
    height, width = image.shape[:2]
    top = framecode.strip_height(width) * 2
    cx = int(width / 2 + width * 0.38 * math.cos(phase))
    cy = int(top + (height - top) / 2 + (height - top) * 0.3 * math.sin(2 * phase))
    radius = max(4, height // 10)
    cv2.circle(image, (cx, cy), radius, (250, 200, 40), -1, cv2.LINE_AA)
    bar_x = int((width - width // 20) * (0.5 + 0.5 * math.sin(phase)))
    image[top:, bar_x : bar_x + width // 20] = (200, 200, 200)


def _draw_number(image: Image, text: str) -> None:
    height, width = image.shape[:2]
    font = cv2.FONT_HERSHEY_DUPLEX
    thickness = max(2, height // 40)
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, thickness)
    scale = min(height * 0.5 / th, width * 0.7 / tw)
    thickness = max(2, int(thickness * scale / 2))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
    org = ((width - tw) // 2, (height + th) // 2)
    cv2.putText(image, text, org, font, scale, (0, 0, 0), thickness + 6, cv2.LINE_AA)
    cv2.putText(image, text, org, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
