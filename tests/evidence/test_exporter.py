"""The exporter's recovery: an export left queued, or building under a lease that went stale
(its process died), is produced when an exporter starts; one building under a fresh lease (in
another process) is left alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

from tests.evidence.clip_source import PatternClipSource
from vms.audit import AuditTrail
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.evidence import DataRequest, DataRequestCamera
from vms.db.models.identity import User
from vms.db.models.registry import Agency, Camera
from vms.evidence.config import EvidenceConfig
from vms.evidence.exporter import Exporter
from vms.evidence.verify import verify_export


def _seed(db: Database, now: datetime) -> list[int]:
    """Three approved requests: queued, building (stale lease), building (fresh lease).

    ``now`` is taken by the test itself: a module-level clock read at collection goes stale
    in a long suite, and the "fresh" lease with it."""
    with db.session() as s:
        agency = Agency(code="A", kind="municipality", name_en="A")
        s.add(agency)
        s.flush()
        user = User(username="desk", agency_id=agency.id, role="desk_officer", password_hash="x")
        cam = Camera(code="C", name_en="C", agency_id=agency.id, main_url="rtsp://127.0.0.1/x")
        s.add_all([user, cam])
        s.flush()
        ids = []
        for state, claimed in (
            ("queued", None),
            ("building", now - timedelta(hours=1)),
            ("building", now),
        ):
            row = DataRequest(
                requester_id=user.id,
                requester_agency_id=agency.id,
                stream="main",
                start=now - timedelta(minutes=10),
                end=now - timedelta(minutes=9, seconds=58),
                case_number="C-1",
                legal_basis="law",
                reason="why",
                approver="owning_agency",
                state="approved",
                export_state=state,
                export_claimed_at=claimed,
                cameras=[DataRequestCamera(camera_id=cam.id, agency_id=agency.id)],
            )
            s.add(row)
            s.flush()
            ids.append(row.id)
        return ids


async def test_restart_picks_up_what_was_left(db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    upgrade(engine)
    engine.dispose()
    db = Database(db_url)
    now = datetime.now(UTC)
    queued, stale, fresh = _seed(db, now)
    config = EvidenceConfig(
        signing_key_file=str(tmp_path / "key.pem"), export_dir=str(tmp_path / "out")
    )
    source = PatternClipSource(now - timedelta(days=1))
    exporter = Exporter(config, "Site", db, AuditTrail(db), lambda: source, sweep_s=3600)
    await exporter.start()
    try:
        await asyncio.wait_for(exporter.idle.wait(), 60)
    finally:
        await exporter.stop()
    try:
        with db.session() as s:
            states = {i: s.get(DataRequest, i) for i in (queued, stale, fresh)}
            assert {i: (r.state, r.export_state) for i, r in states.items() if r} == {
                queued: ("exported", "ready"),
                stale: ("exported", "ready"),
                fresh: ("approved", "building"),
            }
            for i in (queued, stale):
                zip_name = states[i].export_file  # type: ignore[union-attr]
                assert zip_name is not None
                verify_export(Path(config.export_dir) / zip_name)
        assert len(source.calls) == 2  # the fresh lease's clip was never fetched
    finally:
        db.dispose()  # also when an assertion fails: a leaked pool warns in a later test
