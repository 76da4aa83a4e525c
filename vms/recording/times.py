"""Times as playback requests give them (ISO 8601), checked so a bad one is a 422 naming it."""

from __future__ import annotations

from datetime import UTC, datetime

from vms.errors import InvalidInput

EARLIEST_YEAR = 2000  # nothing was recorded before; year 1 and the like are mistakes
LATEST_YEAR = 2200


def parse_instant(name: str, value: str) -> datetime:
    """`value` as an aware UTC datetime; InvalidInput naming `name` and what is wrong."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidInput(f"{name}: not an ISO 8601 time: {value[:64]!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name}: give a time zone (e.g. 2026-12-02T08:00:00Z or +07:00)")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidInput(
            f"{name}: year {moment.year} is out of range ({EARLIEST_YEAR}-{LATEST_YEAR})"
        )
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """UTC, microsecond precision, with a Z: how the API writes times."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
