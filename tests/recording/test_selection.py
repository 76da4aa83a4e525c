"""The 20 % selection on a real database (SQLite and PostgreSQL): counts of active cameras
against the target per agency and for the site, and suggestions that prefer cameras that
work and spread them over the map (each pick counts for the next)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.recording.conftest import migrated
from vms.db.engine import Database
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.recording.selection import build_selection, distance_m, needed

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
P0 = (7.8800, 98.3800)  # the camera already linked (agency B's)
M_PER_DEG = 111_195.0  # metres per degree of latitude


def _north(metres: float) -> tuple[float, float]:
    return (P0[0] + metres / M_PER_DEG, P0[1])


def test_needed_rounds_up_to_the_target() -> None:
    assert needed(10, 0, 20) == 2
    assert needed(11, 0, 20) == 3  # 2.2 → 3
    assert needed(10, 2, 20) == 0
    assert needed(5, 3, 20) == 0
    assert needed(0, 0, 20) == 0


def test_distance_is_great_circle_metres() -> None:
    assert abs(distance_m(P0, _north(800)) - 800) < 1
    assert distance_m(P0, P0) == 0


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    """Agency A: ten active cameras, none linked - FAR1 800 m north of P0, FAR2 810 m (10 m
    past FAR1), SOUTH 600 m south, FLAKY 900 m north but up 30 % of the week, NOWHERE without
    a position, five more beside P0; and one retired. Agency B: five, one linked (at P0)."""
    db = migrated(db_url)
    ids: dict[str, int] = {}
    with db.session() as s:
        a = Agency(code="A", kind="municipality", name_en="A")
        b = Agency(code="B", kind="police_station", name_en="B")
        s.add_all([a, b])
        s.flush()
        ids |= {"A": a.id, "B": b.id}
        cams: list[tuple[str, int, tuple[float, float] | None, dict[str, object]]] = [
            ("FAR1", a.id, _north(800), {}),
            ("FAR2", a.id, _north(810), {}),
            ("SOUTH", a.id, _north(-600), {}),
            ("FLAKY", a.id, _north(900), {}),
            ("NOWHERE", a.id, None, {}),
            *[(f"A-NEAR{i}", a.id, _north(20 + i), {}) for i in range(5)],
            ("A-GONE", a.id, _north(3000), {"state": "retired"}),
            ("B-LINKED", b.id, P0, {"central_link": True}),
            *[(f"B-{i}", b.id, _north(-50 - i), {}) for i in range(4)],
        ]
        for code, agency, pos, extra in cams:
            cam = Camera(
                code=code, agency_id=agency, name_en=code, main_url="rtsp://127.0.0.1/x",
                latitude=pos[0] if pos else None, longitude=pos[1] if pos else None,
                **extra,
            )  # fmt: skip
            s.add(cam)
            s.flush()
            ids[code] = cam.id
        week = NOW - timedelta(days=7)
        for code in ("FAR1", "FAR2", "SOUTH", "A-NEAR0"):
            s.add(StreamStateChange(camera_id=ids[code], stream="main", state="online",
                                    at=week - timedelta(days=1)))  # fmt: skip
        s.add(StreamStateChange(camera_id=ids["FLAKY"], stream="main", state="offline",
                                reason="unreachable", at=week - timedelta(days=1)))  # fmt: skip
        s.add(StreamStateChange(camera_id=ids["FLAKY"], stream="main", state="online",
                                at=NOW - timedelta(days=7 * 0.3)))  # fmt: skip
    try:
        yield db, ids
    finally:
        db.dispose()


def test_counts_and_suggestions_spread_over_the_map(
    site: tuple[Database, dict[str, int]],
) -> None:
    db, ids = site
    with db.session() as s:
        report = build_selection(
            s, now=NOW, target_pct=20, days=7, agency_ids=None, site_name="test"
        )
    a, b = report.agencies
    assert (a.code, a.cameras, a.linked, a.needed) == (
        "A",
        10,
        0,
        2,
    )  # the retired one: not counted
    assert (b.code, b.cameras, b.linked, b.needed, b.suggestions) == ("B", 5, 1, 0, [])
    assert (report.cameras, report.linked, report.needed) == (15, 1, 2)
    assert report.pct == 6.7 and a.pct == 0.0 and b.pct == 20.0
    first, second = a.suggestions
    # FAR2 fills the widest gap among the working ones; then FAR1 (10 m from FAR2) is worth
    # nothing more, and SOUTH (600 m from P0) is next; FLAKY is far but down 70 % of the week
    assert first.camera_id == ids["FAR2"] and first.availability == 1.0
    assert round(first.nearest_linked_m or 0) == 810 and first.score == 0.81
    assert second.camera_id == ids["SOUTH"] and round(second.nearest_linked_m or 0) == 600
    assert second.score == 0.6


def test_an_agency_alone_and_one_with_nothing_linked_anywhere(
    site: tuple[Database, dict[str, int]],
) -> None:
    db, ids = site
    with db.session() as s:
        only_a = build_selection(
            s, now=NOW, target_pct=50, days=7, agency_ids=[ids["A"]], site_name="test"
        )
    [a] = only_a.agencies
    assert a.needed == 5 and len(a.suggestions) == 5
    assert (only_a.cameras, only_a.linked) == (10, 0)  # the site total is over the agencies asked
    # no position counts half (0.5 x 0.5); FLAKY, 90 m from FAR2, still beats the cameras
    # beside P0, and FAR1 (10 m from FAR2) is worth less than any of them: it is not picked
    assert [x.camera_id for x in a.suggestions] == [
        ids[c] for c in ("FAR2", "SOUTH", "NOWHERE", "FLAKY", "A-NEAR0")
    ]
    assert a.suggestions[2].score == 0.25 and a.suggestions[2].nearest_linked_m is None
