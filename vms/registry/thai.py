"""Thai text helpers: search keys, Thai digits and Buddhist-era dates.

Thai has no letter case and no spaces between words, so a search is a substring match on a
normalised key: NFKC (which also splits the precomposed SARA AM into NIKHAHIT + SARA AA, the
way many keyboards type it), casefolded for the Latin part, with zero-width characters removed.
SQLite's lower() is ASCII-only, so the key is computed here and stored, never in SQL.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
# Years at or above this are taken as Buddhist era (BE = CE + 543); 2400 BE is 1857 CE.
_BE_THRESHOLD = 2400
_BE_OFFSET = 543
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"),
)


def normalize_text(value: str) -> str:
    """NFC, zero-width characters removed, runs of white space collapsed, trimmed."""
    text = unicodedata.normalize("NFC", value).translate(_ZERO_WIDTH)
    return _SPACES.sub(" ", text).strip()


def search_key(value: str) -> str:
    """The form both stored text and queries take before a substring match."""
    text = unicodedata.normalize("NFKC", value).translate(_ZERO_WIDTH).casefold()
    return _SPACES.sub(" ", text).strip()


def thai_digits_to_arabic(value: str) -> str:
    """'๑๓.๕' -> '13.5'; other characters are left alone."""
    return value.translate(_THAI_DIGITS)


def parse_number(value: str) -> float:
    """A decimal number, accepting Thai digits and a comma as thousands separator."""
    text = thai_digits_to_arabic(normalize_text(value)).replace(",", "")
    return float(text)


def be_to_ce_year(year: int) -> int:
    """2567 -> 2024; a year that is already CE is returned unchanged."""
    return year - _BE_OFFSET if year >= _BE_THRESHOLD else year


def parse_date(value: str | date | datetime) -> date:
    """A date from ISO (2024-03-01) or day-first (1/3/2567) text, Thai digits and BE years
    accepted. Raises ValueError with a reason."""
    if isinstance(value, datetime):
        return _ce_date(value.year, value.month, value.day)
    if isinstance(value, date):
        return _ce_date(value.year, value.month, value.day)
    text = thai_digits_to_arabic(normalize_text(value))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _ce_date(int(match["y"]), int(match["m"]), int(match["d"]))
    raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or DD/MM/YYYY, BE years accepted)")


def _ce_date(year: int, month: int, day: int) -> date:
    try:
        return date(be_to_ce_year(year), month, day)
    except ValueError as exc:
        raise ValueError(f"not a date: {exc}") from None
