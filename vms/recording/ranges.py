"""HTTP byte ranges (RFC 9110 section 14) for playback: one range, or the whole body."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    """The range starts past the end of the body (answer 416 with `bytes */size`)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive, or None for the whole body (no header, or one
    this server ignores as the RFC allows: several ranges, a malformed one)."""
    if header is None:
        return None
    found = _RANGE.match(header.strip())
    if found is None:
        return None
    first_s, last_s = found.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # the last N bytes
        n = int(last_s)
        if n == 0:
            raise RangeNotSatisfiable
        return max(0, size - n), size - 1
    first = int(first_s)
    if first >= size:
        raise RangeNotSatisfiable
    last = int(last_s) if last_s else size - 1
    if last < first:
        return None
    return first, min(last, size - 1)
