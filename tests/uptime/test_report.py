"""The uptime report from rows in the database (SQLite and PostgreSQL): a scripted outage
timeline gives the figures it must, per stream, per agency and for the site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from vms.auth.config import CoverageConfig
from vms.coverage import CoverageMonitor
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.events import InProcessEventBus
from vms.uptime.recorder import close_open_streams
from vms.uptime.report import build_report

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Phuket


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database.engine)
    yield database
    database.dispose()


def seed(db: Database) -> dict[str, int]:
    """Two agencies; camera A1 down 08:20-08:35, A2 up all hour, P1 (police) down by a
    credentials failure 08:00-08:30, A3 retired before the hour."""
    ids: dict[str, int] = {}
    with db.session() as s:
        muni = Agency(code="MUNI", kind="municipality", name_th="เทศบาลนครภูเก็ต")
        police = Agency(code="POL", kind="police_station", name_en="Police")
        s.add_all([muni, police])
        s.flush()
        ids |= {"muni": muni.id, "police": police.id}
        for code, agency in (("A1", muni), ("A2", muni), ("A3", muni), ("P1", police)):
            cam = Camera(code=code, name_th=f"กล้อง {code}", agency_id=agency.id,
                         main_url=f"rtsp://127.0.0.1/{code}")  # fmt: skip
            cam.state = "retired" if code == "A3" else "active"
            s.add(cam)
            s.flush()
            ids[code] = cam.id
        timeline = {
            "A1": [(-30, "online", None), (20, "offline", "camera unreachable"),
                   (20.5, "starting", None), (21, "offline", "camera unreachable"),
                   (35, "online", None)],
            "A2": [(-5, "online", None)],
            "A3": [(-90, "online", None), (-60, "retired", "camera retired")],
            "P1": [(-1, "error", "401 from camera: check credentials"), (30, "online", None)],
        }  # fmt: skip
        for code, rows in timeline.items():
            for minutes, state, reason in rows:
                s.add(
                    StreamStateChange(
                        camera_id=ids[code], stream="main", state=state, reason=reason,
                        at=at(minutes),
                    )
                )  # fmt: skip
        # a later day's row must not count
        s.add(StreamStateChange(camera_id=ids["A2"], stream="main", state="offline", at=at(90)))
    return ids


def test_a_camera_down_15_minutes_of_an_hour_is_75_percent_up(db: Database) -> None:
    ids = seed(db)
    with db.session() as session:
        report = build_report(
            session, start=at(0), end=at(60), agency_ids=None, now=at(600), site_name="Phuket"
        )
    by_code = {a.code: a for a in report.agencies}
    muni = by_code["MUNI"]
    streams = {s.camera_code: s.uptime for s in muni.streams}
    assert set(streams) == {"A1", "A2"}  # A3 was retired the whole hour: left out
    assert streams["A1"].availability == 0.75
    assert streams["A1"].causes == {"offline": 15 * 60}
    assert streams["A2"].availability == 1.0
    assert muni.total.availability == (45 + 60) / 120
    [(stream, outage)] = muni.longest_outages()
    assert (stream.camera_id, outage.start, outage.end) == (ids["A1"], at(20), at(35))
    assert (outage.cause, outage.reason) == ("offline", "camera unreachable")

    police = by_code["POL"]
    assert police.total.causes == {"auth_failed": 30 * 60}
    assert police.total.availability == 0.5
    assert report.total.availability == (45 + 60 + 30) / 180


def test_one_agency_only_and_the_future_is_not_counted(db: Database) -> None:
    ids = seed(db)
    with db.session() as session:
        report = build_report(
            session,
            start=at(0),
            end=at(24 * 60),
            agency_ids=[ids["police"]],
            now=at(60),
            site_name="Phuket",
        )
    [police] = report.agencies
    assert police.code == "POL"
    assert report.end == at(60)
    assert police.total.measured_s == 3600


def test_duty_coverage_of_stations_is_in_the_report(db: Database) -> None:
    ids = seed(db)
    monitor = CoverageMonitor(CoverageConfig(), db, InProcessEventBus(), "Asia/Bangkok")
    with db.session() as session:
        report = build_report(
            session, start=at(0), end=at(60), agency_ids=None, now=at(60), site_name="Phuket",
            coverage=monitor,
        )  # fmt: skip
    by_code = {a.code: a for a in report.agencies}
    assert by_code["MUNI"].coverage == []  # not a station
    [day] = by_code["POL"].coverage
    assert day.agency_id == ids["police"]
    assert day.required == 2
    assert day.minutes_covered == 0  # nobody kept watch: every minute of the day so far below
    assert day.minutes_below == 9 * 60  # local midnight to 09:00


def test_a_crash_leaves_open_streams_closed_at_the_restart(db: Database) -> None:
    ids = seed(db)
    closed = close_open_streams(db, "server started", at=at(120))
    assert closed == 3  # A1 (online), A2 (offline at 09:30), P1 (online); A3 retired
    with db.session() as session:
        report = build_report(
            session, start=at(120), end=at(180), agency_ids=None, now=at(600), site_name="x"
        )
    assert report.total.measured_s == 0
    assert ids
