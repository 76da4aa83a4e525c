"""Uptime arithmetic over scripted state timelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vms.uptime.timeline import StateRow, cause_of, uptime

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_down_15_minutes_of_an_hour_is_75_percent_up() -> None:
    rows = [
        StateRow(at(-30), "online"),
        StateRow(at(20), "offline", "camera unreachable"),
        StateRow(at(35), "online"),
    ]
    figures = uptime(rows, at(0), at(60))
    assert figures.availability == 0.75
    assert figures.causes == {"offline": 15 * 60}
    [outage] = figures.outages
    assert (outage.start, outage.end, outage.cause) == (at(20), at(35), "offline")
    assert outage.reason == "camera unreachable"


def test_reconnect_cycles_are_one_outage_named_by_its_main_cause() -> None:
    rows = [StateRow(at(0), "online"), StateRow(at(10), "offline", "camera unreachable")]
    rows += [StateRow(at(10 + k + 0.9), "starting") for k in range(5)]
    rows = sorted(
        rows + [StateRow(at(10 + k + 1), "offline") for k in range(5)], key=lambda r: r.at
    )
    rows.append(StateRow(at(30), "online"))
    figures = uptime(rows, at(0), at(60))
    [outage] = figures.outages
    assert outage.seconds == 20 * 60
    assert outage.cause == "offline"
    assert figures.causes == {"offline": 20 * 60}  # retrying after the failure is still offline
    assert round(figures.availability or 0, 4) == round(40 / 60, 4)


def test_unknown_idle_and_time_before_the_first_row_are_not_measured() -> None:
    rows = [
        StateRow(at(10), "online"),  # nothing known before 08:10
        StateRow(at(20), "unknown", "server stopped"),
        StateRow(at(40), "idle"),
        StateRow(at(50), "stalled", "no video"),
    ]
    figures = uptime(rows, at(0), at(60))
    assert figures.up_s == 600
    assert figures.causes == {"stalled": 600}
    assert figures.unmeasured_s == 40 * 60
    assert figures.availability == 0.5


def test_rows_outside_the_period_are_cut_at_its_edges() -> None:
    rows = [StateRow(at(-600), "offline"), StateRow(at(30), "online"), StateRow(at(90), "error")]
    figures = uptime(rows, at(0), at(60))
    assert figures.causes == {"offline": 1800}
    assert figures.up_s == 1800


def test_connecting_before_any_failure_is_not_measured() -> None:
    rows = [StateRow(at(0), "starting"), StateRow(at(6), "online")]  # the server's own start
    figures = uptime(rows, at(0), at(60))
    assert (figures.causes, figures.unmeasured_s, figures.availability) == ({}, 360, 1.0)
    assert figures.outages == []


def test_nothing_measured_has_no_availability() -> None:
    assert uptime([], at(0), at(60)).availability is None


def test_authentication_failures_are_their_own_cause() -> None:
    assert cause_of("error", "401 from camera: check credentials") == "auth_failed"
    assert cause_of("error", "not a video stream: x") == "error"
    assert cause_of("retired", "camera retired") == "retired"
    assert cause_of("online", None) is None
