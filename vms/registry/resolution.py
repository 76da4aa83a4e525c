"""Resolutions as people write them in inventories: "2MP", "1080p", "Full HD", "4K",
"1920*1080", Thai digits. Each maps to the stored WIDTHxHEIGHT, or to None when it means
nothing we know (the importer then keeps the text in the notes and says so)."""

from __future__ import annotations

import re

from vms.registry.thai import normalize_text, thai_digits_to_arabic

_PAIR = re.compile(r"^(\d{2,5})\s*[xX×*]\s*(\d{2,5})(?:\s*(?:px|pixels?|พิกเซล))?$")
_MEGAPIXELS = re.compile(r"^(\d{1,2}(?:\.\d)?)\s*(?:mp|m|megapixels?|ล้านพิกเซล|ล้าน)$")
_LINES = re.compile(r"^(\d{3,4})\s*[pi]$")
# the usual sensor of an IP camera sold as N megapixels
MEGAPIXELS = {
    "1": "1280x720", "1.3": "1280x960", "2": "1920x1080", "3": "2048x1536",
    "4": "2560x1440", "5": "2592x1944", "6": "3072x2048", "8": "3840x2160",
    "12": "4000x3000",
}  # fmt: skip
LINES = {"480": "720x480", "576": "720x576", "720": "1280x720", "1080": "1920x1080",
         "1440": "2560x1440", "2160": "3840x2160"}  # fmt: skip
NAMES = {
    "hd": "1280x720", "fullhd": "1920x1080", "fhd": "1920x1080", "qhd": "2560x1440",
    "2k": "2560x1440", "4k": "3840x2160", "uhd": "3840x2160", "4kuhd": "3840x2160",
    "d1": "720x576", "960h": "960x576", "cif": "352x288",
}  # fmt: skip


def parse_resolution(text: str) -> str | None:
    """'2MP' -> '1920x1080', '๑๙๒๐x๑๐๘๐' -> '1920x1080'; None when it maps to nothing."""
    value = thai_digits_to_arabic(normalize_text(text)).lower()
    pair = _PAIR.match(value)
    if pair:
        return f"{int(pair[1])}x{int(pair[2])}"
    mega = _MEGAPIXELS.match(value)
    if mega:
        return MEGAPIXELS.get(mega[1].removesuffix(".0"))
    lines = _LINES.match(value)
    if lines:
        return LINES.get(lines[1])
    return NAMES.get(re.sub(r"[\s_-]", "", value))
