"""Reading and writing inventory spreadsheets (CSV and XLSX), defensively.

Files come from many agencies' Excel: Thai UTF-8 CSV with or without a BOM, XLSX with merged
cells and odd types, and sometimes something hostile. Limits are checked before loading
(size, uncompressed size of the zip, rows, columns, cell length) and every failure is an
InvalidInput / PayloadTooLarge that says what was wrong. Blocking: call from a thread.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import openpyxl
from openpyxl.workbook import Workbook

from vms.errors import InvalidInput, PayloadTooLarge


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """An XLSX formula cell: its formula and the value Excel saved with it (None if none)."""

    formula: str
    value: str | int | float | bool | date | datetime | None


Cell = str | int | float | bool | date | datetime | FormulaCell | None
Format = Literal["csv", "xlsx"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 64
MAX_CELL_CHARS = 4000
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Cells starting with these are formulas (or become one) in Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(slots=True)
class Table:
    """A sheet as headers plus data rows, each with its 1-based spreadsheet row number."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


def detect_format(data: bytes, filename: str | None = None) -> Format:
    """XLSX by its zip signature, CSV by name or by being text; else InvalidInput."""
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("this is an Excel 97-2003 .xls file: save it as .xlsx or CSV UTF-8")
    if name.endswith((".xlsx", ".xlsm")):
        raise InvalidInput(f"{filename} is not a valid XLSX file (no zip signature)")
    if name.endswith((".csv", ".txt")) or b"\x00" not in data[:4096]:
        return "csv"
    raise InvalidInput("not a CSV or XLSX file")


def read_table(data: bytes, filename: str | None = None) -> Table:
    """Parse a CSV or XLSX inventory into a Table, enforcing every limit."""
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    fmt = detect_format(data, filename)
    rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    try:
        return _to_table(rows)
    finally:
        rows.close()  # releases the workbook even when a limit stopped the reading


def _to_table(rows: Iterable[Sequence[Cell]]) -> Table:
    table: Table | None = None
    for number, raw in enumerate(rows, start=1):
        cells = list(raw)
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if table is None:
            if not cells:
                continue  # blank lines above the header
            headers = ["" if c is None else str(c).strip() for c in cells]
            if len(headers) > MAX_COLUMNS:
                raise InvalidInput(f"more than {MAX_COLUMNS} columns in the header row")
            table = Table(headers)
            continue
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} data rows; split the file")
        table.rows.append((number, cells[:MAX_COLUMNS]))
    if table is None:
        raise InvalidInput("the file has no header row")
    return table


def _csv_rows(data: bytes) -> Generator[Sequence[Cell]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput("CSV is UTF-16: save it as 'CSV UTF-8 (comma delimited)'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"CSV is not UTF-8 (bad byte at offset {exc.start}); "
            "save it as 'CSV UTF-8 (comma delimited)'"
        ) from None
    if "\x00" in text:
        raise InvalidInput("CSV contains NUL characters; is it really a text file?")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise InvalidInput(f"CSV line {reader.line_num}: {exc}") from None


def _xlsx_rows(data: bytes) -> Generator[Sequence[Cell]]:
    _check_zip(data)
    book = _open_book(data, data_only=False)
    values = _open_book(data, data_only=True) if _has_formulas(data) else None
    try:
        rows = _sheet_rows(book)
        if values is None:
            yield from rows
        else:
            for formulas, saved in zip(rows, _sheet_rows(values), strict=False):
                yield [_formula_cell(f, v) for f, v in zip(formulas, saved, strict=False)]
    finally:
        book.close()
        if values is not None:
            values.close()


def _open_book(data: bytes, *, data_only: bool) -> Workbook:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds on malformed files
        raise InvalidInput(f"not a readable XLSX workbook ({type(exc).__name__})") from None


def _sheet_rows(book: Workbook) -> Generator[Sequence[Cell]]:
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise InvalidInput("the workbook has no worksheet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        except InvalidInput:
            raise
        except Exception as exc:
            raise InvalidInput(f"unreadable worksheet ({type(exc).__name__})") from None


def _formula_cell(formula: Cell, saved: Cell) -> Cell:
    """A formula cell as FormulaCell (with the value Excel saved); any other cell as is."""
    if isinstance(formula, str) and formula.startswith("=") and formula != saved:
        return FormulaCell(formula, None if isinstance(saved, FormulaCell) else saved)
    return formula


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet holds a formula element (<f>), read in bounded chunks."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            tail = b""
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    text = tail + chunk
                    if b"<f>" in text or b"<f " in text or b":f>" in text or b":f " in text:
                        return True
                    tail = text[-8:]
    return False


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs by the sizes the archive declares (zipfile enforces them on read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise InvalidInput("not a valid XLSX file (damaged zip)") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InvalidInput(
            f"XLSX expands to {total // (1024 * 1024)} MB "
            f"(limit {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB)"
        )
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * info.compress_size:
            raise InvalidInput(f"XLSX part {info.filename} is compressed suspiciously well")


def neutralize(value: Cell) -> Cell:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], fmt: Format) -> bytes:
    """A CSV (UTF-8 with BOM, so Excel shows Thai) or XLSX file; formulas neutralised."""
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if c is None else neutralize(_csv_text(c)) for c in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("cameras")
    sheet.append(list(headers))
    for row in rows:
        sheet.append([neutralize(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_text(value: Cell) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
