"""Reading a header row: our aliases, the person's mapping over them, and what stays unknown."""

from __future__ import annotations

import pytest

from vms.errors import InvalidInput
from vms.registry.import_columns import plan_columns

HEADERS = ["ลำดับ", "รหัสกล้อง", "ชื่อจุดติดตั้ง", "อำเภอ", "ผู้ดูแล", "เบอร์โทร", ""]


def test_aliases_and_unknown() -> None:
    plan = plan_columns(HEADERS, {})
    assert plan.targets == [None, "code", "name_th", "district", None, None, None]
    assert plan.unknown == ["ผู้ดูแล", "เบอร์โทร"]
    assert [(u.header, u.target, u.source) for u in plan.uses[:2]] == [
        ("ลำดับ", "sequence", "alias"),
        ("รหัสกล้อง", "code", "alias"),
    ]


def test_mapping_wins_and_is_matched_loosely() -> None:
    plan = plan_columns(HEADERS, {"ผู้ดูแล ": "notes", "เบอร์โทร": "notes", "อำเภอ": "ignore"})
    assert plan.targets == [None, "code", "name_th", None, "notes", "notes", None]
    assert plan.unknown == []
    assert plan.sources[4] == "mapped"


def test_refusals() -> None:
    with pytest.raises(InvalidInput, match="not one of"):
        plan_columns(HEADERS, {"ผู้ดูแล": "password_hash"})
    with pytest.raises(InvalidInput, match="both mean name_th"):
        plan_columns(HEADERS, {"ผู้ดูแล": "name_th"})
    with pytest.raises(InvalidInput, match="no camera code column"):
        plan_columns(["ชื่อ", "อำเภอ"], {})
