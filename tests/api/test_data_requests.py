"""The data-use request workflow over a real server, on SQLite and PostgreSQL: request,
approve (by every owning agency), reject, export in the background from genuine MP4 clips,
download by the requester only, and the 404s, 403s and 422s around it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from tests.fixtures_evidence import evidence_world
from tests.fixtures_identity import World
from vms.db.models.evidence import DataRequest
from vms.db.models.identity import AuditRecord
from vms.db.models.recording import RecordingLock
from vms.evidence.verify import verify_export

START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def body(cameras: list[int], **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cameras": cameras,
        "stream": "main",
        "start": START.isoformat(),
        "end": (START + timedelta(seconds=3)).isoformat(),
        "case_number": "PKT-2026-0042",
        "legal_basis": "Criminal Procedure Code s.132",
        "reason": "hit and run at the market",
    }
    out.update(over)
    return out


def wait_export(client: httpx.Client, request_id: int) -> dict[str, Any]:
    """Poll until the background export left queued/building (a deadline, not a timing claim)."""
    deadline = time.monotonic() + 60
    while True:
        got: dict[str, Any] = client.get(f"/api/v1/data-requests/{request_id}").json()
        if got["export"]["state"] not in ("queued", "building"):
            return got
        assert time.monotonic() < deadline, got
        time.sleep(0.1)


def actions(world: World, request_id: int) -> list[tuple[str, str, int | None]]:
    with world.services.db.session() as s:
        rows = s.scalars(
            select(AuditRecord)
            .where(AuditRecord.action.like("data_request.%"))
            .order_by(AuditRecord.seq)
        ).all()
        return [
            (r.action, r.outcome, r.camera_id)
            for r in rows
            if r.detail.get("request_id") == request_id
        ]


def test_request_approve_export_download(ev_world: World, tmp_path: Path) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "muni")
    r = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]]))
    assert r.status_code == 201, r.text
    req = r.json()
    rid = req["id"]
    assert req["state"] == "pending" and req["mine"] is True
    assert req["approvals_needed"] == [f"agency:{w.agencies['muni']}"]
    assert req["export"]["state"] == "none" and req["export"]["download"] is None
    # the requester may not approve their own request
    r = desk.post(f"/api/v1/data-requests/{rid}/approve")
    assert r.status_code == 403 and "own request" in r.json()["detail"]
    # another agency's administrator does not see it at all
    police_admin = w.client_as("agency_admin", "police")
    assert police_admin.get(f"/api/v1/data-requests/{rid}").status_code == 404
    assert police_admin.post(f"/api/v1/data-requests/{rid}/approve").status_code == 404
    assert rid not in [x["id"] for x in police_admin.get("/api/v1/data-requests").json()["items"]]
    # nothing to download yet
    assert desk.get(f"/api/v1/data-requests/{rid}/export").status_code == 409
    # the owning agency's administrator sees and approves it
    admin = w.client_as("agency_admin", "muni")
    listed = admin.get("/api/v1/data-requests").json()["items"]
    assert [x["id"] for x in listed] == [rid] and listed[0]["can_decide"] is True
    r = admin.post(f"/api/v1/data-requests/{rid}/approve")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    assert r.json()["approvals"][0]["username"] == "agency-admin.muni"
    assert admin.post(f"/api/v1/data-requests/{rid}/approve").status_code == 409
    done = wait_export(desk, rid)
    assert done["state"] == "exported", done
    assert done["export"]["state"] == "ready" and done["export"]["download"]
    # the range is evidence-locked
    with w.services.db.session() as s:
        locks = s.scalars(select(RecordingLock).where(RecordingLock.request_id == rid)).all()
        assert [(lk.camera_id, lk.stream) for lk in locks] == [(w.cameras["muni1"], "main")]
    # only the requester downloads; everyone else gets the 404 of a missing request
    assert admin.get(f"/api/v1/data-requests/{rid}/export").status_code == 404
    assert (
        w.client_as("system_admin", "cc").get(f"/api/v1/data-requests/{rid}/export").status_code
        == 404
    )
    r = desk.get(f"/api/v1/data-requests/{rid}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(r.content)
    key = desk.get("/api/v1/evidence/public-key").json()
    verified = verify_export(zip_path, key["public_key_pem"].encode())
    assert verified.files == [f"camera-{w.cameras['muni1']}-main.mp4"]
    manifest = verified.manifest
    assert manifest["site"] == w.services.settings.site_name
    assert manifest["request"]["case_number"] == "PKT-2026-0042"
    assert manifest["request"]["approvals"][0]["username"] == "agency-admin.muni"
    assert manifest["request"]["requester"]["username"] == "desk-officer.muni"
    assert manifest["signature"]["public_key_sha256"] == key["fingerprint"]
    assert done["export"]["sha256"] and done["export"]["bytes"] == len(r.content)
    cam = w.cameras["muni1"]
    assert actions(w, rid) == [
        ("data_request.create", "ok", cam),
        ("data_request.approve", "ok", cam),
        ("data_request.export", "ok", cam),
        ("data_request.download", "ok", cam),
    ]


def test_every_owning_agency_approves(ev_world: World) -> None:
    w = ev_world
    muni, police = w.agencies["muni"], w.agencies["police"]
    both = w.client_as("agency_admin", "police")
    desk = w.client_as("desk_officer", "muni")
    cams = [w.cameras["muni1"], w.cameras["police1"]]
    # the police camera is not the municipality's to view recordings of ...
    assert desk.post("/api/v1/data-requests", json=body(cams)).status_code == 404
    # ... until the police share recordings with it
    grant = {"owner_agency_id": police, "grantee_agency_id": muni, "level": "recordings"}
    assert both.post("/api/v1/grants", json=grant).status_code == 201
    r = desk.post("/api/v1/data-requests", json=body(cams))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert both.get(f"/api/v1/data-requests/{rid}").json()["approvals_needed"] == [
        f"agency:{muni}",
        f"agency:{police}",
    ]
    r = w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
    assert r.status_code == 200
    assert r.json()["state"] == "pending"
    assert r.json()["approvals_needed"] == [f"agency:{police}"]
    r = both.post(f"/api/v1/data-requests/{rid}/approve")
    assert r.json()["state"] == "approved"
    assert [a["capacity"] for a in r.json()["approvals"]] == [f"agency:{muni}", f"agency:{police}"]
    done = wait_export(desk, rid)
    assert done["state"] == "exported"


def test_reject_ends_the_request(ev_world: World) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "muni")
    rid = desk.post("/api/v1/data-requests", json=body([w.cameras["muni2"]])).json()["id"]
    admin = w.client_as("agency_admin", "muni")
    r = admin.post(f"/api/v1/data-requests/{rid}/reject", json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = admin.post(f"/api/v1/data-requests/{rid}/reject", json={"reason": "no case file"})
    assert r.status_code == 200
    assert r.json()["state"] == "rejected" and r.json()["reject_reason"] == "no case file"
    assert admin.post(f"/api/v1/data-requests/{rid}/approve").status_code == 409
    r = desk.get(f"/api/v1/data-requests/{rid}/export")
    assert r.status_code == 409 and "rejected" in r.json()["detail"]
    assert [a for a, _, _ in actions(w, rid)] == ["data_request.create", "data_request.reject"]


def test_bad_input_and_foreign_cameras(ev_world: World) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "police")
    cam = w.cameras["police1"]
    bad: list[tuple[dict[str, Any], str]] = [
        (body([cam], end=(START - timedelta(seconds=1)).isoformat()), "end must be after start"),
        (body([cam], case_number="   "), "case_number"),
        (body([cam], legal_basis=""), "legal_basis"),
        (body([cam], start=START.replace(tzinfo=None).isoformat()), "time zone"),
        (body([cam], end=(datetime.now(UTC) + timedelta(hours=1)).isoformat()), "future"),
        (body([]), "cameras"),
        (body([cam, cam]), "twice"),
        (body([cam], stream="thermal"), "stream"),
        (body([cam], extra=1), "extra"),
        (body([cam], start="yesterday"), "start"),
        (body([cam], start=(START - timedelta(days=3)).isoformat()), "at most"),
    ]
    missing = body([cam])
    del missing["case_number"]
    bad.append((missing, "case_number"))
    for payload, word in bad:
        r = desk.post("/api/v1/data-requests", json=payload)
        assert r.status_code == 422, (payload, r.text)
        assert word in r.json()["detail"], (word, r.json()["detail"])
    # a camera of another agency (not shared with the police) answers like a missing one
    rf = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]]))
    rm = desk.post("/api/v1/data-requests", json=body([987654]))
    assert rf.status_code == rm.status_code == 404
    assert rf.text.replace(str(w.cameras["muni1"]), "ID") == rm.text.replace("987654", "ID")
    # an operator's role carries no export permission: 403 on a camera they see
    r = w.client_as("operator", "police").post("/api/v1/data-requests", json=body([cam]))
    assert r.status_code == 403 and "export" in r.json()["detail"]
    assert desk.get("/api/v1/data-requests/987654").status_code == 404
    assert desk.get("/api/v1/data-requests/99999999999999999999").status_code in (404, 422)
    with w.services.db.session() as s:
        assert s.scalars(select(DataRequest)).all() == []


def test_without_recording_the_export_fails_clearly(ev_world: World) -> None:
    w = ev_world
    w.services.clip_source = None
    desk = w.client_as("desk_officer", "muni")
    rid = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]])).json()["id"]
    w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
    done = wait_export(desk, rid)
    assert done["state"] == "approved" and done["export"]["state"] == "failed"
    assert done["export"]["error"] == "recording not available on this server"
    r = desk.get(f"/api/v1/data-requests/{rid}/export")
    assert r.status_code == 503 and "recording not available" in r.json()["detail"]
    assert ("data_request.export", "failed", w.cameras["muni1"]) in actions(w, rid)


def test_nothing_recorded_names_the_camera(ev_world: World) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "muni")
    old = START - timedelta(days=5)  # before the clip source's recordings begin
    payload = body(
        [w.cameras["muni1"]], start=old.isoformat(), end=(old + timedelta(seconds=2)).isoformat()
    )
    rid = desk.post("/api/v1/data-requests", json=payload).json()["id"]
    w.client_as("system_admin", "cc").post(f"/api/v1/data-requests/{rid}/approve")
    done = wait_export(desk, rid)
    assert done["export"]["state"] == "failed"
    assert f"camera {w.cameras['muni1']}: nothing recorded" in done["export"]["error"]


def test_download_expires(ev_world: World) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "muni")
    rid = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]])).json()["id"]
    w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
    assert wait_export(desk, rid)["state"] == "exported"
    with w.services.db.session() as s:
        s.execute(
            update(DataRequest)
            .where(DataRequest.id == rid)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert desk.get(f"/api/v1/data-requests/{rid}").json()["state"] == "expired"
    r = desk.get(f"/api/v1/data-requests/{rid}/export")
    assert r.status_code == 410 and "expired" in r.json()["detail"]


def test_working_group_rule(db_url: str, tmp_path: Path) -> None:
    for w in evidence_world(
        db_url, tmp_path, approver="working_group", working_group_agency="PKT-CC"
    ):
        desk = w.client_as("desk_officer", "muni")
        rid = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]])).json()["id"]
        got = desk.get(f"/api/v1/data-requests/{rid}").json()
        assert got["approver_rule"] == "working_group"
        assert got["approvals_needed"] == ["working_group"]
        # the owning agency's administrator sees it but does not decide it any more
        r = w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
        assert r.status_code == 403 and "working group" in r.json()["detail"]
        # another agency's staff member of the working group's agency does not see it
        assert w.client_as("operator", "cc").get(f"/api/v1/data-requests/{rid}").status_code == 404
        member = w.client_as("agency_admin", "cc")
        assert [x["id"] for x in member.get("/api/v1/data-requests").json()["items"]] == [rid]
        r = member.post(f"/api/v1/data-requests/{rid}/approve")
        assert r.status_code == 200 and r.json()["state"] == "approved"
        assert r.json()["approvals"][0]["capacity"] == "working_group"
        assert wait_export(desk, rid)["state"] == "exported"


def test_emergency_request_is_marked(ev_world: World) -> None:
    """The governor's office, which sees recordings of a foreign agency only under the
    override, files a request: the request and every audit record of it name the emergency."""
    w = ev_world
    gov = w.client_as("governor", "gov")
    cam = w.cameras["muni1"]
    assert gov.post("/api/v1/data-requests", json=body([cam])).status_code == 404
    declared = gov.post(
        "/api/v1/emergency",
        json={
            "type": "natural_disaster",
            "reason": "Tsunami warning",
            "duration_s": 600,
            "scope": {"all": True},
            "include_command_center": False,
        },
    )
    assert declared.status_code == 201, declared.text
    emergency_id = declared.json()["id"]
    r = gov.post("/api/v1/data-requests", json=body([cam]))
    assert r.status_code == 201, r.text
    assert r.json()["emergency_id"] == emergency_id
    rid = r.json()["id"]
    w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
    assert wait_export(gov, rid)["state"] == "exported"
    assert gov.get(f"/api/v1/data-requests/{rid}/export").status_code == 200
    with w.services.db.session() as s:
        records = s.scalars(
            select(AuditRecord).where(AuditRecord.action.like("data_request.%"))
        ).all()
        assert {r.action for r in records} == {
            "data_request.create",
            "data_request.approve",
            "data_request.export",
            "data_request.download",
        }
        assert {r.detail.get("emergency_id") for r in records} == {emergency_id}
    # a request the desk officer could make anyway is not marked
    desk = w.client_as("desk_officer", "muni")
    assert desk.post("/api/v1/data-requests", json=body([cam])).json()["emergency_id"] is None


def test_sweep_expires_and_deletes_the_zip(ev_world: World) -> None:
    w = ev_world
    desk = w.client_as("desk_officer", "muni")
    rid = desk.post("/api/v1/data-requests", json=body([w.cameras["muni1"]])).json()["id"]
    w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
    assert wait_export(desk, rid)["state"] == "exported"
    exporter = w.services.evidence
    with w.services.db.session() as s:
        row = s.get(DataRequest, rid)
        assert row is not None and row.export_file
        zip_file = exporter.export_dir / row.export_file
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert zip_file.is_file()
    assert exporter._expire_and_list_waiting() == []
    assert not zip_file.exists()
    with w.services.db.session() as s:
        assert s.get(DataRequest, rid).state == "expired"  # type: ignore[union-attr]
    assert ("data_request.expire", "ok", w.cameras["muni1"]) in actions(w, rid)


def test_release_gives_each_agency_its_locked_footage_back(ev_world: World) -> None:
    """Each owning agency's administrator releases the locks on its own cameras (the reason
    audited per camera), nobody else does, and the export stays downloadable."""
    w = ev_world
    muni, police = w.agencies["muni"], w.agencies["police"]
    police_admin = w.client_as("agency_admin", "police")
    grant = {"owner_agency_id": police, "grantee_agency_id": muni, "level": "recordings"}
    assert police_admin.post("/api/v1/grants", json=grant).status_code == 201
    desk = w.client_as("desk_officer", "muni")
    muni_admin = w.client_as("agency_admin", "muni")
    cams = [w.cameras["muni1"], w.cameras["police1"]]
    rid = desk.post("/api/v1/data-requests", json=body(cams)).json()["id"]
    release = f"/api/v1/data-requests/{rid}/release"
    r = muni_admin.post(release, json={"reason": "case closed"})
    assert r.status_code == 409 and "no evidence lock" in r.json()["detail"]  # still pending
    for admin in (muni_admin, police_admin):
        assert admin.post(f"/api/v1/data-requests/{rid}/approve").status_code == 200
    assert wait_export(desk, rid)["state"] == "exported"
    got = muni_admin.get(f"/api/v1/data-requests/{rid}").json()
    assert [lk["camera_id"] for lk in got["locks"]] == sorted(cams)
    assert got["can_release"] is True
    assert desk.get(f"/api/v1/data-requests/{rid}").json()["can_release"] is False
    # the requester may not, another agency's administrator does not even see it
    r = desk.post(release, json={"reason": "done"})
    assert r.status_code == 403 and "own request" in r.json()["detail"]
    assert (
        w.client_as("agency_admin", "police2").post(release, json={"reason": "x"}).status_code
        == 404
    )
    r = muni_admin.post(release, json={"reason": "   "})
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    # the municipality releases its camera only
    r = muni_admin.post(release, json={"reason": "case closed"})
    assert r.status_code == 200, r.text
    assert [lk["camera_id"] for lk in r.json()["locks"]] == [w.cameras["police1"]]
    assert r.json()["can_release"] is False
    r = muni_admin.post(release, json={"reason": "case closed"})
    assert r.status_code == 409
    r = police_admin.post(release, json={"reason": "court ruling 12/2569"})
    assert r.status_code == 200 and r.json()["locks"] == []
    with w.services.db.session() as s:
        assert s.scalars(select(RecordingLock).where(RecordingLock.request_id == rid)).all() == []
        released = s.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "data_request.release")
            .order_by(AuditRecord.seq)
        ).all()
        mine = [rec for rec in released if rec.detail["request_id"] == rid]
        assert [(rec.camera_id, rec.username, rec.detail["reason"]) for rec in mine] == [
            (w.cameras["muni1"], "agency-admin.muni", "case closed"),
            (w.cameras["police1"], "agency-admin.police", "court ruling 12/2569"),
        ]
    assert desk.get(f"/api/v1/data-requests/{rid}/export").status_code == 200
