"""GET /api/v1/reports/uptime on the real server (SQLite and PostgreSQL): who may read whose
report, bad periods, and the four formats (the PDF's Thai read back out of it)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from tests.fixtures_identity import World
from vms.db.models.stream_states import StreamStateChange

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 08:00 Phuket, long before the server started
BANGKOK = ZoneInfo("Asia/Bangkok")  # the test sites' time zone (auth.coverage default)
PERIOD = {"start": "2026-01-05T08:00:00+07:00", "end": "2026-01-05T09:00:00+07:00"}


def script_outage(world: World) -> None:
    """muni1 down 15 minutes of the hour, police1 up all of it."""
    rows = [("muni1", -10, "online", None), ("muni1", 20, "offline", "camera unreachable"),
            ("muni1", 35, "online", None), ("police1", -10, "online", None)]  # fmt: skip
    with world.services.db.session() as s:
        for camera, minutes, state, reason in rows:
            s.add(
                StreamStateChange(
                    camera_id=world.cameras[camera], stream="main", state=state, reason=reason,
                    at=T0 + timedelta(minutes=minutes),
                )
            )  # fmt: skip


def test_an_agency_admin_reads_only_their_own_agency(world: World) -> None:
    script_outage(world)
    admin = world.client_as("agency_admin", "muni")
    r = admin.get("/api/v1/reports/uptime", params=PERIOD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [a["code"] for a in body["agencies"]] == ["PKT-MUNI"]
    [muni] = body["agencies"]
    [stream] = muni["streams"]
    assert stream["camera_id"] == world.cameras["muni1"]
    assert stream["figures"]["availability_pct"] == 75.0
    assert stream["figures"]["causes"] == {"offline": 900.0}
    [outage] = muni["longest_outages"]
    assert outage["cause"] == "offline" and outage["seconds"] == 900.0
    assert body["figures"]["availability_pct"] == 75.0

    foreign = admin.get(
        "/api/v1/reports/uptime", params=PERIOD | {"agency_id": world.agencies["police"]}
    )
    missing = admin.get("/api/v1/reports/uptime", params=PERIOD | {"agency_id": 987654})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(str(world.agencies["police"]), "N") == missing.json()[
        "detail"
    ].replace("987654", "N")


def test_a_local_day_is_the_sites_midnight_to_midnight(sqlite_world: World) -> None:
    script_outage(sqlite_world)
    admin = sqlite_world.client_as("agency_admin", "muni")
    body = admin.get("/api/v1/reports/uptime", params={"day": "2026-01-05"}).json()
    assert body["start"] == "2026-01-04T17:00:00Z"  # Asia/Bangkok midnight
    assert body["end"] == "2026-01-05T17:00:00Z"
    [muni] = body["agencies"]
    assert muni["figures"]["causes"] == {"offline": 900.0}


def test_the_system_administrator_reads_every_agency(world: World) -> None:
    script_outage(world)
    admin = world.client_as("system_admin", "cc")
    body = admin.get("/api/v1/reports/uptime", params=PERIOD).json()
    by_code = {a["code"]: a for a in body["agencies"]}
    assert by_code["PKT-MUNI"]["figures"]["availability_pct"] == 75.0
    assert by_code["PKT-POL1"]["figures"]["availability_pct"] == 100.0
    assert body["figures"]["availability_pct"] == 87.5
    one = admin.get(
        "/api/v1/reports/uptime", params=PERIOD | {"agency_id": world.agencies["police"]}
    ).json()
    assert [a["code"] for a in one["agencies"]] == ["PKT-POL1"]
    assert (
        admin.get("/api/v1/reports/uptime", params=PERIOD | {"agency_id": 987654}).status_code
        == 404
    )


def test_roles_without_reports_are_refused(world: World) -> None:
    for role, agency in (("operator", "muni"), ("desk_officer", "police"), ("governor", "gov")):
        r = world.client_as(role, agency).get("/api/v1/reports/uptime", params=PERIOD)
        assert r.status_code == 403, role
        assert "reports are for agency administrators" in r.json()["detail"]


def test_the_supervisor_reads_every_agency(sqlite_world: World) -> None:
    script_outage(sqlite_world)
    supervisor = sqlite_world.client_as("supervisor", "cc")
    body = supervisor.get("/api/v1/reports/uptime", params=PERIOD).json()
    assert {"PKT-MUNI", "PKT-POL1"} <= {a["code"] for a in body["agencies"]}


def test_no_period_is_the_sites_today_in_its_time_zone(sqlite_world: World) -> None:
    admin = sqlite_world.client_as("agency_admin", "muni")
    before = datetime.now(BANGKOK).date()
    body = admin.get("/api/v1/reports/uptime").json()
    after = datetime.now(BANGKOK).date()
    start = datetime.fromisoformat(body["start"]).astimezone(BANGKOK)
    end = datetime.fromisoformat(body["end"]).astimezone(BANGKOK)
    assert body["timezone"] == "Asia/Bangkok"  # the page reads the day in it
    assert start.date() in (before, after) and (start.hour, start.minute) == (0, 0)
    assert start < end <= start + timedelta(days=1)  # the day so far (it ends now)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"start": "yesterday", "end": PERIOD["end"]}, "start"),
        ({"start": "2026-01-05T08:00:00", "end": PERIOD["end"]}, "start: give the time zone"),
        ({"start": PERIOD["start"], "end": "2026-01-05T07:00:00+07:00"}, "end must be after start"),
        ({"start": "2024-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "at most 366 days"),
        ({"end": PERIOD["end"]}, "start and end are required"),
        ({"day": "2026-13-01"}, "day"),
        ({"day": "2026-01-05", "start": PERIOD["start"]}, "either day, or start and end"),
        (PERIOD | {"format": "docx"}, "format"),
    ],
)
def test_bad_periods_are_422_naming_the_problem(
    sqlite_world: World, params: dict[str, str], says: str
) -> None:
    r = sqlite_world.client_as("agency_admin", "muni").get("/api/v1/reports/uptime", params=params)
    assert r.status_code == 422
    assert says in r.text


def test_csv_xlsx_and_pdf(sqlite_world: World) -> None:
    script_outage(sqlite_world)
    admin = sqlite_world.client_as("agency_admin", "muni")
    r = admin.get("/api/v1/reports/uptime", params=PERIOD | {"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    [row] = rows
    assert (row["camera_code"], row["availability_pct"], row["offline_s"]) == (
        "CAM-MUNI1",
        "75.0",
        "900",
    )

    r = admin.get("/api/v1/reports/uptime", params=PERIOD | {"format": "xlsx"})
    assert r.status_code == 200
    assert 'filename="uptime-2026-01-05.xlsx"' in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[0] == "สรุป summary"
    summary = [[c.value for c in row] for row in book["สรุป summary"].iter_rows()]
    assert summary[3][:4] == ["PKT-MUNI", "Agency PKT-MUNI", 1, "75.0"]

    r = admin.get("/api/v1/reports/uptime", params=PERIOD | {"format": "pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    for expected in ("รายงานตรวจสอบกล้อง", "สรุปตามหน่วยงาน", "ออฟไลน์", "CAM-MUNI1", "75.0"):
        assert expected in text, expected


def test_central_link_selection_by_role(world: World) -> None:
    """GET /api/v1/reports/central-link: the same readers as the uptime report; an agency
    short of the 20 % gets as many suggestions as it needs, from its own cameras."""
    admin = world.client_as("agency_admin", "muni")
    r = admin.get("/api/v1/reports/central-link")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["target_pct"] == 20.0 and body["days"] == 7
    [muni] = body["agencies"]
    assert muni["agency_id"] == world.agencies["muni"]
    assert muni["linked"] == 0 and muni["short"] is True
    assert muni["needed"] == len(muni["suggestions"]) > 0
    own = {world.cameras[k] for k in world.cameras if k.startswith("muni")}
    assert {s["camera_id"] for s in muni["suggestions"]} <= own
    foreign = admin.get(
        "/api/v1/reports/central-link", params={"agency_id": world.agencies["police"]}
    )
    assert foreign.status_code == 404
    assert admin.get("/api/v1/reports/central-link", params={"days": 0}).status_code == 422
    everyone = world.client_as("system_admin", "cc").get("/api/v1/reports/central-link").json()
    assert {a["agency_id"] for a in everyone["agencies"]} >= {world.agencies["muni"],
                                                              world.agencies["police"]}  # fmt: skip
    assert everyone["short_agencies"] >= 1
    for role, agency in (("operator", "muni"), ("desk_officer", "police")):
        r = world.client_as(role, agency).get("/api/v1/reports/central-link")
        assert r.status_code == 403 and "selection" in r.json()["detail"]
