"""Turning one spreadsheet cell into a field value: types as Excel gives them, Thai words for
enumerations, placeholders ("-", "N/A", "ไม่ทราบ", "ไม่มี") as empty, and formulas never stored.

An XLSX formula cell gives the value Excel saved with it; one saved without a value (written
by a program, never opened in Excel) is refused with a reason. A CSV text that starts with "="
is a formula to any spreadsheet and we cannot compute it: refused too. Text starting with + - @
is kept (a name like "-ซอย 5" is real): the defence against formula injection is on export,
which writes every such value behind a single quote; that quote ('=...) is removed on import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vms.registry.columns import (
    KIND_WORDS,
    NUMERIC_FIELDS,
    PLACEHOLDERS,
    PULL_WORDS,
    STATE_WORDS,
    bool_value,
    word_value,
)
from vms.registry.spreadsheet import FORMULA_PREFIXES, MAX_CELL_CHARS, FormulaCell
from vms.registry.thai import excel_serial_date, normalize_text, search_key


def cell_value(name: str, raw: Any) -> Any:
    """The value of field `name` from a raw cell; None for an empty cell. ValueError says why
    a cell is unusable."""
    if isinstance(raw, FormulaCell):
        if raw.value is None:
            raise ValueError(
                f"is a formula ({raw.formula[:40]}) saved without its value: open the file in "
                "Excel and save it again, or type the value"
            )
        return cell_value(name, raw.value)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw if name == "central_link" else ("yes" if raw else "no")
    if isinstance(raw, int | float):
        if name in NUMERIC_FIELDS:
            return raw
        if name == "install_date":
            return excel_serial_date(raw)
        return str(int(raw)) if isinstance(raw, int) or raw.is_integer() else str(raw)
    if isinstance(raw, datetime | date):
        if name == "install_date":
            return raw
        return raw.isoformat()
    text = _text(name, str(raw))
    if not text or search_key(text) in PLACEHOLDERS:
        return None
    return _word(name, text)


def _text(name: str, raw: str) -> str:
    if len(raw) > MAX_CELL_CHARS:
        raise ValueError(f"cell is longer than {MAX_CELL_CHARS} characters")
    if raw.startswith("'") and raw[1:].startswith(FORMULA_PREFIXES):
        return normalize_text(raw[1:])
    if raw.startswith("="):
        raise ValueError(
            "is a spreadsheet formula, which we do not compute: type its value "
            "(or put a ' in front to keep it as text)"
        )
    return normalize_text(raw)


def _word(name: str, text: str) -> Any:
    if name == "state":
        return _lookup(STATE_WORDS, text, "state")
    if name == "pull_mode":
        return _lookup(PULL_WORDS, text, "pull mode")
    if name == "agency_kind":
        return _lookup(KIND_WORDS, text, "agency kind")
    if name == "central_link":
        flag = bool_value(text)
        if flag is None:
            raise ValueError(f"{text!r} is not yes/no (ใช่/ไม่ใช่)")
        return flag
    if name == "rtsp_transport":
        return text.lower()
    return text


def _lookup(words: dict[str, tuple[str, ...]], text: str, what: str) -> str:
    value = word_value(words, text)
    if value is None:
        raise ValueError(f"{text!r} is not a {what} (one of {', '.join(words)})")
    return value
