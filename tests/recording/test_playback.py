"""Playback through the running server from real recorded camsim video: spans, windows that
start at a keyframe at or before `start` and line up, plain MP4, byte ranges, bad times, and
another agency's camera answering exactly like a missing one on every recording route."""

from __future__ import annotations

import io
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from sqlalchemy import select

from tests.fixtures_server import WallSite, default_specs
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.identity import AuditRecord
from vms.db.models.registry import Agency
from vms.recording import fmp4
from vms.recording.store import ticks_to_time
from vms.recording.times import iso

WALL_SPECS = default_specs(1)
WALL_SETTINGS: dict[str, Any] = {
    "recording": {"continuous": "all", "segment_s": 3.0, "max_play_s": 30.0, "max_list_days": 2}
}
OUTSIDER = "other-desk"
OUTSIDER_PASSWORD = "Other-desk-password-2026"


@pytest.fixture(scope="module")
def site(wall_site: WallSite) -> WallSite:
    """The site once at least 9 s are recorded (three closed segments)."""
    services = wall_site.server.services
    with services.db.session() as session:
        other = Agency(code="PKT-POL-2", kind="police_station", name_en="Another station")
        session.add(other)
        session.flush()
        create_user(
            session, UserSpec(OUTSIDER, OUTSIDER_PASSWORD, other.id, Role.DESK_OFFICER), None
        )
    deadline = time.monotonic() + 60
    cam = wall_site.cameras[0]["id"]
    while time.monotonic() < deadline:
        now = datetime.now(UTC)
        segs = services.recordings.segments_covering(cam, "main", now - timedelta(hours=1), now)
        if len([s for s in segs if s.state == "closed"]) >= 3:
            return wall_site
        time.sleep(0.5)
    raise AssertionError("nothing recorded in time")


@pytest.fixture
def client(site: WallSite) -> Iterator[httpx.Client]:
    with site.server.client() as c:
        site.server.sign_in(c)
        yield c


def _recorded_range(site: WallSite) -> tuple[datetime, datetime]:
    cam = site.cameras[0]["id"]
    now = datetime.now(UTC)
    segs = site.server.services.recordings.segments_covering(
        cam, "main", now - timedelta(hours=1), now
    )
    closed = [s for s in segs if s.state == "closed"]
    return closed[0].start, closed[-1].end


def _play(client: httpx.Client, cam: int, start: datetime, duration: float, **extra: str) -> Any:
    params = {"start": iso(start), "duration_s": str(duration), **extra}
    return client.get(f"/api/v1/cameras/{cam}/recordings/play", params=params)


def test_listing_shows_the_recorded_span(site: WallSite, client: httpx.Client) -> None:
    cam = site.cameras[0]["id"]
    first, last = _recorded_range(site)
    resp = client.get(
        f"/api/v1/cameras/{cam}/recordings",
        params={"start": iso(first - timedelta(minutes=5)), "end": iso(last)},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["gaps"] == []
    assert len(body["spans"]) == 1  # consecutive segments are one span
    span = body["spans"][0]
    assert span["start"] == iso(first) and span["end"] == iso(last)


def test_window_starts_at_the_keyframe_before_start_in_wall_clock(
    site: WallSite, client: httpx.Client, tmp_path: Path
) -> None:
    cam = site.cameras[0]["id"]
    first, last = _recorded_range(site)
    asked = first + (last - first) / 2 + timedelta(milliseconds=370)
    resp = _play(client, cam, asked, 2.0)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "video/mp4"
    assert resp.headers["x-recording-epoch"] == "1970-01-01T00:00:00Z"
    parsed = fmp4.parse(resp.content)
    head = parsed.samples[0]
    assert head.keyframe
    began = ticks_to_time(head.time)
    assert asked - timedelta(seconds=1.01) <= began <= asked  # GOP 1 s
    assert resp.headers["x-recording-start"] == iso(began)
    tail = parsed.samples[-1]
    assert ticks_to_time(tail.time) < asked + timedelta(seconds=2)
    assert ticks_to_time(tail.time + tail.duration) >= asked + timedelta(seconds=1.9)
    clip = tmp_path / "w.mp4"
    clip.write_bytes(resp.content)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", clip],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert abs(float(probe.stdout) - began.timestamp()) < 0.001  # ffprobe reads the wall time


def test_consecutive_windows_line_up(site: WallSite, client: httpx.Client) -> None:
    cam = site.cameras[0]["id"]
    first, _last = _recorded_range(site)
    a = _play(client, cam, first + timedelta(seconds=1), 2.5)
    a_end = datetime.fromisoformat(a.headers["x-recording-end"])
    b = _play(client, cam, a_end, 2.5)
    assert a.status_code == b.status_code == 200
    times_a = {s.time for s in fmp4.parse(a.content).samples}
    samples_b = fmp4.parse(b.content).samples
    times_b = {s.time for s in samples_b}
    a_last = max(times_a)
    # the same pictures carry the same times in both windows, and B goes on where A ends
    assert {t for t in times_b if t <= a_last} <= times_a
    after = sorted(t for t in times_b if t > a_last)
    assert after and ticks_to_time(after[0]) == a_end


def test_mp4_format_is_a_plain_mp4_stamped_with_its_wall_clock_start(
    site: WallSite, client: httpx.Client
) -> None:
    cam = site.cameras[0]["id"]
    first, _last = _recorded_range(site)
    resp = _play(client, cam, first + timedelta(seconds=1), 2.0, format="mp4")
    assert resp.status_code == 200, resp.text
    assert b"moov" in resp.content[:4096] and b"moof" not in resp.content  # moov first
    with av.open(io.BytesIO(resp.content)) as container:
        stamped = container.metadata["creation_time"]
        frames = sum(1 for _ in container.decode(video=0))
    exact = datetime.fromisoformat(resp.headers["x-recording-start"])
    assert datetime.fromisoformat(stamped) == exact.replace(microsecond=0)  # MP4: whole seconds
    assert 29 <= frames <= 46  # 15 fps: 2 s plus up to one GOP before start


def test_byte_ranges(site: WallSite, client: httpx.Client) -> None:
    cam = site.cameras[0]["id"]
    first, _last = _recorded_range(site)
    whole = _play(client, cam, first, 2.0)
    size = len(whole.content)
    assert whole.headers["accept-ranges"] == "bytes"
    url = f"/api/v1/cameras/{cam}/recordings/play"
    params = {"start": iso(first), "duration_s": "2.0"}
    part = client.get(url, params=params, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{size}"
    rest = client.get(url, params=params, headers={"Range": "bytes=100-"})
    assert rest.status_code == 206
    assert part.content + rest.content == whole.content
    suffix = client.get(url, params=params, headers={"Range": "bytes=-10"})
    assert suffix.content == whole.content[-10:]
    past = client.get(url, params=params, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "2026-12-02T10:00:00Z", "end": "2026-12-02T09:00:00Z"}, "end: must be after"),
        ({"start": "0001-01-01T00:00:00Z", "end": "2026-12-02T09:00:00Z"}, "start: year 1"),
        (
            {"start": "2026-12-02T08:00:00", "end": "2026-12-02T09:00:00Z"},
            "start: give a time zone",
        ),
        ({"start": "yesterday", "end": "2026-12-02T09:00:00Z"}, "start: not an ISO 8601"),
        ({"start": "2026-11-01T00:00:00Z", "end": "2026-12-02T09:00:00Z"}, "end: at most 2 days"),
    ],
)
def test_bad_listing_times_are_422_naming_the_problem(
    site: WallSite, client: httpx.Client, params: dict[str, str], named: str
) -> None:
    cam = site.cameras[0]["id"]
    resp = client.get(f"/api/v1/cameras/{cam}/recordings", params=params)
    assert resp.status_code == 422
    assert named in resp.text


def test_bad_play_requests_are_422_or_404(site: WallSite, client: httpx.Client) -> None:
    cam = site.cameras[0]["id"]
    url = f"/api/v1/cameras/{cam}/recordings/play"
    too_long = client.get(url, params={"start": "2026-12-02T08:00:00Z", "duration_s": "31"})
    assert too_long.status_code == 422 and "duration_s: at most 30" in too_long.text
    no_tz = client.get(url, params={"start": "2026-12-02T08:00:00", "duration_s": "3"})
    assert no_tz.status_code == 422 and "time zone" in no_tz.text
    nothing = client.get(url, params={"start": "2001-01-01T00:00:00Z", "duration_s": "3"})
    assert nothing.status_code == 404 and "nothing recorded" in nothing.text


def test_foreign_agency_and_traversal_answer_like_a_missing_camera(site: WallSite) -> None:
    cam = site.cameras[0]["id"]
    missing = 999_999
    first, _last = _recorded_range(site)
    listing = {"start": iso(first), "end": iso(first + timedelta(seconds=5))}
    play = {"start": iso(first), "duration_s": "2"}
    with site.server.client() as outsider:
        resp = outsider.post(
            "/api/v1/auth/login", json={"username": OUTSIDER, "password": OUTSIDER_PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        for suffix, params in (("recordings", listing), ("recordings/play", play)):
            foreign = outsider.get(f"/api/v1/cameras/{cam}/{suffix}", params=params)
            absent = outsider.get(f"/api/v1/cameras/{missing}/{suffix}", params=params)
            assert foreign.status_code == absent.status_code == 404
            assert foreign.json()["detail"].replace(str(cam), "N") == absent.json()[
                "detail"
            ].replace(str(missing), "N")
        trigger = {"post_roll_s": 5}
        foreign = outsider.post(f"/api/v1/cameras/{cam}/recordings/trigger", json=trigger)
        absent = outsider.post(f"/api/v1/cameras/{missing}/recordings/trigger", json=trigger)
        assert foreign.status_code == absent.status_code == 404
        assert foreign.json()["detail"].replace(str(cam), "N") == absent.json()["detail"].replace(
            str(missing), "N"
        )
    with site.server.client() as admin:
        site.server.sign_in(admin)
        for path in (
            f"/api/v1/cameras/{cam}/recordings/..%2F..%2F..%2Fetc%2Fpasswd",
            f"/api/v1/cameras/{cam}/recordings/play/..%2F1",
            "/api/v1/cameras/..%2F..%2Fetc/recordings",
        ):
            assert admin.get(path, params=play).status_code == 404, path


def test_every_playback_is_audited(site: WallSite, client: httpx.Client) -> None:
    cam = site.cameras[0]["id"]
    first, _last = _recorded_range(site)
    asked = first + timedelta(seconds=2)
    assert _play(client, cam, asked, 1.5).status_code == 200
    with site.server.services.db.session() as session:
        rows = list(
            session.scalars(
                select(AuditRecord).where(
                    AuditRecord.action == "recording.play", AuditRecord.camera_id == cam
                )
            )
        )
    mine = [r for r in rows if r.detail.get("start") == iso(asked)]
    assert len(mine) == 1
    assert mine[0].username == "wall-admin"
    assert mine[0].detail["duration_s"] == 1.5 and mine[0].detail["stream"] == "main"


def test_recording_is_reported_in_readyz_and_metrics(site: WallSite, client: httpx.Client) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["warnings"] == {"recording": "ok"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "vms_recording_streams 1.0" in metrics.text
    assert "vms_recording_disk_full_streams 0.0" in metrics.text
    cam = site.cameras[0]["id"]
    written = [
        line
        for line in metrics.text.splitlines()
        if line.startswith(f'vms_recording_bytes_total{{camera_id="{cam}",stream="main"}}')
    ]
    assert written and float(written[0].split()[-1]) > 10_000
