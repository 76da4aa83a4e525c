"""Thai text helpers: search keys, Thai digits and Buddhist-era dates.

Thai has no letter case and no spaces between words, so a search is a substring match on a
normalised key: NFKC (which also splits the precomposed SARA AM into NIKHAHIT + SARA AA, the
way many keyboards type it), casefolded for the Latin part, with zero-width characters removed.
SQLite's lower() is ASCII-only, so the key is computed here and stored, never in SQL.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
# Years at or above this are taken as Buddhist era (BE = CE + 543); 2400 BE is 1857 CE.
_BE_THRESHOLD = 2400
_BE_OFFSET = 543
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"),
)
# "12 มกราคม 2567", "12 ม.ค. 67", "12 มกราคม พ.ศ. 2567": two-digit years are BE (67 -> 2567)
_MONTH_DATE = re.compile(
    r"^(?P<d>\d{1,2})\s*(?P<m>[^\d\s]+)\s*(?:พ\.?\s*ศ\.?)?\s*(?P<y>\d{2}|\d{4})$"
)
_THAI_MONTHS = (
    ("มกราคม", "ม.ค."), ("กุมภาพันธ์", "ก.พ."), ("มีนาคม", "มี.ค."), ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."), ("มิถุนายน", "มิ.ย."), ("กรกฎาคม", "ก.ค."), ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."), ("ตุลาคม", "ต.ค."), ("พฤศจิกายน", "พ.ย."), ("ธันวาคม", "ธ.ค."),
)  # fmt: skip
_MONTHS = {
    key: number
    for number, names in enumerate(_THAI_MONTHS, start=1)
    for name in names
    for key in (name, name.replace(".", ""))
}
# Excel's day 0 (its 1900 leap-year bug makes 1899-12-30 right for every serial after 60);
# serials are taken only inside 1990-2099, so a bare year or count is never read as a date.
_EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIALS = range(32874, 73051)


def normalize_text(value: str) -> str:
    """NFC, zero-width characters removed, runs of white space collapsed, trimmed."""
    text = unicodedata.normalize("NFC", value).translate(_ZERO_WIDTH)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65536)
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
    match = _MONTH_DATE.match(text)
    if match and match["m"].replace(" ", "") in _MONTHS:
        year = int(match["y"])
        year = year + 2500 if year < 100 else year
        return _ce_date(year, _MONTHS[match["m"].replace(" ", "")], int(match["d"]))
    if text.isdigit() and int(text) in EXCEL_SERIALS:
        return excel_serial_date(int(text))
    raise ValueError(
        f"not a date: {value!r} (use YYYY-MM-DD, DD/MM/YYYY or 12 มกราคม 2567; BE years accepted)"
    )


def excel_serial_date(serial: float) -> date:
    """An Excel date serial (45292 -> 2024-01-01); ValueError outside 1990-2099."""
    if int(serial) not in EXCEL_SERIALS:
        raise ValueError(f"not a date: {serial!r} (a number is read as a date only for 1990-2099)")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def _ce_date(year: int, month: int, day: int) -> date:
    try:
        return date(be_to_ce_year(year), month, day)
    except ValueError as exc:
        raise ValueError(f"not a date: {exc}") from None
