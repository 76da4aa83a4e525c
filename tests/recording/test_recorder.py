"""The recorder against real simulated RTSP cameras through the running server: central-link
cameras are recorded in segments that ffprobe reads, with wall-clock times; a camera that goes
down leaves a marked gap; cameras not selected are not recorded."""

from __future__ import annotations

import itertools
import json
import subprocess
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from ingest.packet import StreamKey
from tests.fixtures_server import ADMIN_PASSWORD, WallSite, default_specs
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.models.identity import User
from vms.db.models.recording import RecordingGap, RecordingSegment
from vms.evidence.verify import verify_export
from vms.recording import fmp4

WALL_SPECS = default_specs(2)
WALL_SETTINGS: dict[str, Any] = {
    "recording": {"segment_s": 3.0, "idle_close_s": 2.0, "retention_interval_s": 3600}
}
WAIT_S = 40.0


def _segments(site: WallSite, camera_id: int) -> list[RecordingSegment]:
    with site.server.services.db.session() as session:
        return list(
            session.scalars(
                select(RecordingSegment)
                .where(RecordingSegment.camera_id == camera_id)
                .order_by(RecordingSegment.start)
            )
        )


def _gaps(site: WallSite, camera_id: int) -> list[RecordingGap]:
    with site.server.services.db.session() as session:
        return list(
            session.scalars(select(RecordingGap).where(RecordingGap.camera_id == camera_id))
        )


def _wait_for(what: str, check: Any, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames:format=start_time",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stderr == "", out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def _set_central_link(site: WallSite, camera_id: int, value: bool) -> None:
    with site.server.client() as client:
        site.server.sign_in(client)
        resp = client.patch(f"/api/v1/cameras/{camera_id}", json={"central_link": value})
        assert resp.status_code == 200, resp.text


def test_central_link_camera_is_recorded_in_segments_ffprobe_reads(wall_site: WallSite) -> None:
    cam, other = wall_site.cameras[0]["id"], wall_site.cameras[1]["id"]
    _set_central_link(wall_site, cam, True)
    before = datetime.now(UTC)
    _wait_for(
        "two closed segments",
        lambda: len([s for s in _segments(wall_site, cam) if s.state == "closed"]) >= 2,
    )
    closed = [s for s in _segments(wall_site, cam) if s.state == "closed"]
    root = wall_site.server.services.recordings.store.root
    seg = closed[0]
    assert seg.stream == "main" and seg.codec == "h264"
    assert (seg.width, seg.height) == (640, 360)
    assert seg.keyframes_ms[0] == 0 and len(seg.keyframes_ms) >= 2  # GOP 1 s, segment 3 s
    path = root / seg.path
    assert path.stat().st_size == seg.bytes
    probe = _ffprobe(path)
    stream = probe["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 640, 360)
    assert int(stream["nb_read_frames"]) >= 30  # 15 fps, about 3 s
    # the file's own times are wall clock (seconds since the epoch), as in the index
    start = datetime.fromtimestamp(float(probe["format"]["start_time"]), UTC)
    seg_start = seg.start.replace(tzinfo=UTC)
    assert abs((start - seg_start).total_seconds()) < 0.01
    assert before - timedelta(seconds=5) < seg_start < datetime.now(UTC)
    # consecutive segments follow each other without a hole
    nxt = closed[1]
    assert abs((nxt.start - seg.end).total_seconds()) < 0.2
    assert _segments(wall_site, other) == []  # not central-linked: not recorded


def test_recorded_video_is_exported_and_verifies(wall_site: WallSite, tmp_path: Path) -> None:
    """Recorder to evidence, all real: a data-use request over two seconds the recorder wrote,
    approved by the owning agency's administrator, exported from the recording store, and the
    downloaded zip verifies against the site's key; its clip is the recorded bitstream with
    its wall-clock times."""
    cam = wall_site.cameras[0]["id"]
    _set_central_link(wall_site, cam, True)
    seg = _wait_for(
        "a closed segment",
        lambda: [s for s in _segments(wall_site, cam) if s.state == "closed"],
    )[0]
    start = seg.start.replace(tzinfo=UTC) + timedelta(seconds=0.5)
    body = {
        "cameras": [cam],
        "start": start.isoformat(),
        "end": (start + timedelta(seconds=2)).isoformat(),
        "case_number": "PKT-REC-1",
        "legal_basis": "Criminal Procedure Code s.132",
        "reason": "recorder to export",
    }
    desk = _user(wall_site, "rec-desk", Role.DESK_OFFICER)
    approver = _user(wall_site, "rec-approver", Role.AGENCY_ADMIN)
    base = f"{wall_site.base_url}/api/v1/data-requests"
    with httpx.Client(timeout=30) as http:
        r = http.post(base, json=body, headers=desk)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert http.post(f"{base}/{rid}/approve", headers=approver).status_code == 200

        def exported() -> bool:
            got = http.get(f"{base}/{rid}", headers=desk).json()
            assert got["export"]["state"] != "failed", got["export"]
            return bool(got["state"] == "exported")

        _wait_for("the export", exported, timeout=60)
        r = http.get(f"{base}/{rid}/export", headers=desk)
        assert r.status_code == 200, r.text
        key = http.get(f"{wall_site.base_url}/api/v1/evidence/public-key", headers=desk).json()
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(r.content)
    verified = verify_export(zip_path, key["public_key_pem"].encode())
    assert verified.files == [f"camera-{cam}-main.mp4"]
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp_path / "out")
    probe = _ffprobe(tmp_path / "out" / verified.files[0])
    assert int(probe["streams"][0]["nb_read_frames"]) >= 15  # two seconds at 15 fps, from a key
    began = datetime.fromtimestamp(float(probe["format"]["start_time"]), UTC)
    assert start - timedelta(seconds=1.1) <= began <= start  # the keyframe at or before start


def test_camera_down_is_a_marked_gap_and_recording_resumes(wall_site: WallSite) -> None:
    cam = wall_site.cameras[0]["id"]
    _set_central_link(wall_site, cam, True)
    _wait_for("a segment", lambda: _segments(wall_site, cam))
    wall_site.sim.down(wall_site.camera_number(cam), seconds=6.0)
    down_at = datetime.now(UTC)
    gap = _wait_for("a gap", lambda: _gaps(wall_site, cam))[0]
    assert gap.reason.startswith("camera offline")
    g_start, g_end = gap.start.replace(tzinfo=UTC), gap.end.replace(tzinfo=UTC)
    assert down_at - timedelta(seconds=2) < g_start < down_at + timedelta(seconds=3)
    assert 3.0 < (g_end - g_start).total_seconds() < 30.0
    after = [s for s in _segments(wall_site, cam) if s.start.replace(tzinfo=UTC) >= g_end]
    assert after, "recording resumed after the camera came back"
    assert abs((after[0].start.replace(tzinfo=UTC) - g_end).total_seconds()) < 0.01
    root = wall_site.server.services.recordings.store.root
    for seg in _segments(wall_site, cam):
        if seg.state == "closed":
            parsed = fmp4.parse((root / seg.path).read_bytes())
            assert parsed.complete_bytes == seg.bytes and parsed.samples


def test_camera_no_longer_central_linked_stops_being_recorded(wall_site: WallSite) -> None:
    cam = wall_site.cameras[0]["id"]
    _set_central_link(wall_site, cam, True)
    recorder = wall_site.server.services.recordings.recorder
    _wait_for("recording", lambda: StreamKey(cam, "main") in recorder.streams)
    _set_central_link(wall_site, cam, False)
    _wait_for("stop", lambda: StreamKey(cam, "main") not in recorder.streams, timeout=10)
    _wait_for(
        "its segment closed",
        lambda: all(s.state == "closed" for s in _segments(wall_site, cam)),
        timeout=10,
    )


def test_trigger_records_an_event_with_pre_roll_then_stops(wall_site: WallSite) -> None:
    cam = wall_site.cameras[1]["id"]  # not central-linked
    recorder = wall_site.server.services.recordings.recorder
    with wall_site.server.client() as client:
        wall_site.server.sign_in(client)
        bad = client.post(f"/api/v1/cameras/{cam}/recordings/trigger", json={"post_roll_s": 0})
        assert bad.status_code == 422 and "post_roll_s" in bad.text
        asked = datetime.now(UTC)
        resp = client.post(
            f"/api/v1/cameras/{cam}/recordings/trigger",
            json={"post_roll_s": 4, "reason": "alarm: door forced"},
        )
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["continuous"] is False and body["stream"] == "main"
    assert StreamKey(cam, "main") in recorder.streams
    _wait_for("the event recording to end", lambda: StreamKey(cam, "main") not in recorder.streams)
    segs = _segments(wall_site, cam)
    assert segs and all(s.state == "closed" for s in segs)
    first = segs[0].start.replace(tzinfo=UTC)
    # the pre-roll: the cached GOP (1 s) from before the trigger
    assert asked - timedelta(seconds=1.5) < first <= asked + timedelta(seconds=0.1)
    last = segs[-1].end.replace(tzinfo=UTC)
    assert asked + timedelta(seconds=3.5) < last < asked + timedelta(seconds=8)
    assert _gaps(wall_site, cam) == []  # between events nothing was wanted: no gap
    # the listing marks the trigger (moment, post-roll, reason) on this stream only
    window = {"start": (asked - timedelta(minutes=1)).isoformat(),
              "end": (asked + timedelta(minutes=1)).isoformat()}  # fmt: skip
    with wall_site.server.client() as client:
        wall_site.server.sign_in(client)
        listed = client.get(f"/api/v1/cameras/{cam}/recordings", params=window).json()
        other = client.get(
            f"/api/v1/cameras/{cam}/recordings", params=window | {"stream": "sub"}
        ).json()
    [event] = listed["events"]
    assert (event["kind"], event["reason"]) == ("trigger", "alarm: door forced")
    at, until = datetime.fromisoformat(event["at"]), datetime.fromisoformat(event["until"])
    assert abs((at - asked).total_seconds()) < 2 and (until - at).total_seconds() == 4
    assert other["events"] == []


def _user(site: WallSite, name: str, role: Role) -> dict[str, str]:
    """Bearer headers of user `name` of the site's agency (created on first use)."""
    with site.server.services.db.session() as session:
        if session.scalar(select(User).where(User.username == name)) is None:
            spec = UserSpec(name, ADMIN_PASSWORD, site.agency["id"], role, name)
            create_user(session, spec, None)
    resp = httpx.post(
        f"{site.base_url}/api/v1/auth/token",
        data={"username": name, "password": ADMIN_PASSWORD},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_emergency_forces_recording_in_its_scope_until_it_ends(wall_site: WallSite) -> None:
    """A camera the policy does not record is recorded from the declaration (scope: its
    agency) to the end or the expiry, continuously; then it is not, and what was written is
    whole. Last in
    the module: the trigger test above reads this camera's first segment."""
    cam = wall_site.cameras[1]["id"]  # not central-linked
    key = StreamKey(cam, "main")
    recordings = wall_site.server.services.recordings
    assert key not in recordings.recorder.streams
    url = f"{wall_site.base_url}/api/v1/emergency"
    headers = _user(wall_site, "rec-governor", Role.GOVERNOR)
    body = {
        "type": "natural_disaster",
        "reason": "flood drill",
        "duration_s": 600,
        "scope": {"agency_ids": [wall_site.agency["id"]]},
        "include_command_center": False,
    }
    declared = datetime.now(UTC)
    resp = httpx.post(url, json=body, headers=headers, timeout=30)
    assert resp.status_code == 201, resp.text
    _wait_for("forced recording", lambda: key in recordings.recorder.continuous, timeout=5)
    assert recordings.forced_by == resp.json()["id"]

    def ours() -> list[RecordingSegment]:
        return [
            s
            for s in _segments(wall_site, cam)
            if s.start.replace(tzinfo=UTC) > declared - timedelta(seconds=1.5)
        ]

    _wait_for("a closed segment", lambda: [s for s in ours() if s.state == "closed"])
    ended = httpx.delete(url, headers=headers, timeout=30)
    assert ended.status_code == 200, ended.text
    _wait_for("the end of it", lambda: key not in recordings.recorder.streams, timeout=5)
    assert recordings.forced_by is None
    # its last segment is closed as the stream recorder stops (just after it leaves the set)
    segs = _wait_for("every segment closed", lambda: all(s.state == "closed" for s in ours())
                     and ours(), timeout=10)  # fmt: skip
    root = recordings.store.root
    assert int(_ffprobe(root / segs[0].path)["streams"][0]["nb_read_frames"]) >= 30
    for before, after in itertools.pairwise(segs):  # one continuous recording
        assert abs((after.start - before.end).total_seconds()) < 0.2
    assert not [g for g in _gaps(wall_site, cam) if g.start.replace(tzinfo=UTC) >= declared]
    # declared again and left to expire: no event announces that, the recorder sees it by time
    resp = httpx.post(url, json=body | {"duration_s": 3}, headers=headers, timeout=30)
    assert resp.status_code == 201, resp.text
    _wait_for("forced again", lambda: key in recordings.recorder.continuous, timeout=5)
    _wait_for("the expiry", lambda: key not in recordings.recorder.streams, timeout=8)
