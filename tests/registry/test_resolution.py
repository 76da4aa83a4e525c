"""Resolutions as inventories write them, to WIDTHxHEIGHT or to nothing."""

from __future__ import annotations

import pytest

from vms.registry.resolution import parse_resolution


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2MP", "1920x1080"), ("2 MP", "1920x1080"), ("๒MP", "1920x1080"), ("4mp", "2560x1440"),
        ("5MP", "2592x1944"), ("8MP", "3840x2160"), ("1.3MP", "1280x960"),
        ("2 ล้านพิกเซล", "1920x1080"), ("1080p", "1920x1080"), ("720P", "1280x720"),
        ("Full HD", "1920x1080"), ("FHD", "1920x1080"),
        ("HD", "1280x720"), ("4K", "3840x2160"), ("1920*1080", "1920x1080"),
        ("1920 x 1080", "1920x1080"), ("๑๙๒๐×๑๐๘๐", "1920x1080"), ("2560X1440px", "2560x1440"),
    ],
)  # fmt: skip
def test_written_forms(text: str, expected: str) -> None:
    assert parse_resolution(text) == expected


@pytest.mark.parametrize("text", ["IR 30m", "7MP", "1081p", "big", "1080", ""])
def test_what_maps_to_nothing(text: str) -> None:
    assert parse_resolution(text) is None
