"""Thai text helpers: search keys, Thai digits, Buddhist-era dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vms.registry.thai import (
    excel_serial_date,
    normalize_text,
    parse_date,
    parse_number,
    search_key,
)


def test_search_key_folds_case_sara_am_and_zero_width() -> None:
    assert search_key("Patong BEACH") == "patong beach"
    assert search_key("ถนนสาคำ") == search_key("ถนนสาค\u0e4d\u0e32")
    assert search_key("ป่า\u200bตอง") == "ป่าตอง"
    assert normalize_text("  หาด \t ป่าตอง \n") == "หาด ป่าตอง"


def test_thai_digits_in_numbers() -> None:
    assert parse_number("๗.๘๙๖") == pytest.approx(7.896)
    assert parse_number(" 98.29 ") == pytest.approx(98.29)
    with pytest.raises(ValueError):
        parse_number("เจ็ด")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-15", date(2024, 3, 15)),
        ("2567-03-15", date(2024, 3, 15)),
        ("15/03/2567", date(2024, 3, 15)),
        ("๑๕/๐๓/๒๕๖๗", date(2024, 3, 15)),
        ("1.3.2024", date(2024, 3, 1)),
        (datetime(2567, 1, 2, 0, 0), date(2024, 1, 2)),
    ],
)
def test_dates_accept_be_years(text: str | datetime, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2567", "next week", "2567", "15-2567-03"])
def test_bad_dates_say_why(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 มกราคม 2567", date(2024, 1, 12)),
        ("12 ม.ค. 2567", date(2024, 1, 12)),
        ("1 ก.พ. 66", date(2023, 2, 1)),
        ("๓ มี.ค. ๒๕๖๕", date(2022, 3, 3)),
        ("30 ธันวาคม พ.ศ. 2566", date(2023, 12, 30)),
        ("5 พย 2567", date(2024, 11, 5)),
        ("45292", date(2024, 1, 1)),  # an Excel serial written as text
        ("2024-06-30 00:00:00", date(2024, 6, 30)),
    ],
)
def test_thai_month_names_and_excel_serials(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31 กุมภาพันธ์ 2567", "12 สมมุติ 2567", "2567", "99999"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


def test_excel_serials_only_inside_1990_2099() -> None:
    assert excel_serial_date(45000) == date(2023, 3, 15)
    with pytest.raises(ValueError, match="1990-2099"):
        excel_serial_date(2567)  # a year, not a day
