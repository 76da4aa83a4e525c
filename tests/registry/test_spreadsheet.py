"""The spreadsheet reader's tolerance (BOM, delimiters, blank rows) and its limits."""

from __future__ import annotations

import io

import openpyxl
import pytest

from vms.errors import InvalidInput, PayloadTooLarge
from vms.registry.spreadsheet import MAX_FILE_BYTES, neutralize, read_table, write_table


def test_csv_with_bom_semicolons_and_blank_rows() -> None:
    data = "\ufeff\r\nรหัสกล้อง;ชื่อกล้อง\r\nA1;หาด\r\n;\r\nA2;ตลาด\r\n".encode()
    table = read_table(data, "x.csv")
    assert table.headers == ["รหัสกล้อง", "ชื่อกล้อง"]
    assert table.rows == [(3, ["A1", "หาด"]), (5, ["A2", "ตลาด"])]


def test_limits_and_wrong_files() -> None:
    with pytest.raises(PayloadTooLarge):
        read_table(b"a" * (MAX_FILE_BYTES + 1), "x.csv")
    with pytest.raises(InvalidInput, match="header"):
        read_table(b"\r\n\r\n", "x.csv")
    with pytest.raises(InvalidInput, match="columns"):
        read_table((",".join(f"c{i}" for i in range(65)) + "\r\n").encode(), "x.csv")
    with pytest.raises(InvalidInput, match="UTF-16"):
        read_table("code\r\n".encode("utf-16"), "x.csv")
    with pytest.raises(InvalidInput, match="not a valid XLSX"):
        read_table(b"hello", "x.xlsx")


def test_write_neutralises_formulas_both_formats() -> None:
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("-5") == "'-5"
    assert neutralize(-5.0) == -5.0
    assert neutralize("ok") == "ok"
    csv_bytes = write_table(["a", "b"], [["=HYPERLINK(1)", 7.5]], "csv")
    assert csv_bytes.startswith("\ufeff".encode())
    assert "'=HYPERLINK(1),7.5" in csv_bytes.decode("utf-8-sig")
    xlsx = write_table(["a", "b"], [["@SUM(A1)", 7.5]], "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert sheet["A2"].value == "'@SUM(A1)"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 7.5
    again = read_table(xlsx, "x.xlsx")
    assert again.rows == [(2, ["'@SUM(A1)", 7.5])]
