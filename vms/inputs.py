"""What every request body accepts as text, checked once at the edge.

Every body model of the API (and the importer's rows, which go through the same registry
models) derives from `InputModel`: a string anywhere in the body, keys included, that holds a
control character (NUL, ESC, DEL, C1), a lone surrogate or a non-character is refused with a 422
naming the field, before it can reach the database, a log line or a spreadsheet. Tab, newline
and carriage return stay allowed (addresses and notes span lines).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

MAX_INT = 2**63 - 1  # the database's BIGINT: ids, offsets and counts above it are refused
# Dates and times outside these years are refused (422): year 1 overflows a time-zone shift,
# spreadsheets and the databases' own ranges long before it means anything here.
FIRST_YEAR, LAST_YEAR = 1900, 9998
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    found = _BAD.search(value)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} is not allowed in text"


def check_text(value: Any, where: str = "") -> None:
    """ValueError naming the first string in `value` (walked through dicts and lists) that
    holds a character text may not hold."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ValueError(f"{where}: {problem}" if where else problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_text(item, f"{where}[{index}]")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise ValueError(f"{where}: number out of range" if where else "number out of range")


class InputModel(BaseModel):
    """Base of every request body: unknown fields are errors, text is checked once."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        check_text(data)
        return data


def _in_years(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _moment(value: datetime) -> datetime:
    _in_years(value)
    return value


Day = Annotated[date, AfterValidator(_in_years)]
"""A calendar date the server can store, export and compare (years 1900-9998)."""
Moment = Annotated[datetime, AfterValidator(_moment)]
"""A point in time the server can store and shift between zones (years 1900-9998)."""
