"""The hash-chained audit trail: appends, verification finds the first tampered record, the
chain stays linear under concurrent appends (SQLite and PostgreSQL), CSV is formula-safe."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, delete, select, update

from vms.audit import GENESIS, AuditEntry, AuditTrail, safe_cell, to_csv
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import AuditRecord


def _trail(db_url: str) -> AuditTrail:
    engine = create_engine(db_url)
    upgrade(engine)
    engine.dispose()
    return AuditTrail(Database(db_url))


def test_chain_links_and_verifies(db_url: str) -> None:
    trail = _trail(db_url)
    first = trail.append(AuditEntry("auth.sign_in", username="somchai", client_addr="10.0.0.5"))
    second = trail.append(AuditEntry("view.start", camera_id=3, detail={"stream": "sub"}))
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    result = trail.verify()
    assert result.ok and result.checked == 2
    trail.db.dispose()


def test_verify_reports_the_first_altered_record(db_url: str) -> None:
    trail = _trail(db_url)
    for i in range(5):
        trail.append(AuditEntry("view.start", camera_id=i))
    with trail.db.session() as s:
        s.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(camera_id=99))
    result = trail.verify()
    assert not result.ok and result.first_broken == 3 and result.checked == 2
    assert "altered" in result.reason
    trail.db.dispose()


def test_verify_reports_a_deleted_record(db_url: str) -> None:
    trail = _trail(db_url)
    for i in range(4):
        trail.append(AuditEntry("view.start", camera_id=i))
    with trail.db.session() as s:
        s.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    result = trail.verify()
    assert not result.ok and result.first_broken == 3
    trail.db.dispose()


def test_concurrent_appends_stay_linear(db_url: str) -> None:
    trail = _trail(db_url)
    other = AuditTrail(Database(db_url))  # a second writer with its own lock and pool
    writers = [trail, other] * 4

    def burst(t: AuditTrail) -> None:
        for i in range(10):
            t.append(AuditEntry("control.ptz", detail={"i": i}))

    with ThreadPoolExecutor(len(writers)) as pool:
        list(pool.map(burst, writers))
    result = trail.verify()
    assert result.ok and result.checked == 80
    with trail.db.session() as s:
        prevs = list(s.scalars(select(AuditRecord.prev_hash)))
    assert len(set(prevs)) == 80
    trail.db.dispose()
    other.db.dispose()


def test_csv_cannot_carry_formulas() -> None:
    for evil in ('=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx"):
        assert safe_cell(evil).startswith("'")
    assert safe_cell("Patong beach") == "Patong beach"
    rec = AuditRecord(
        seq=1,
        action="view.start",
        outcome="ok",
        username="=cmd|' /C calc'!A0",
        detail={},
        hash="h",
        prev_hash=GENESIS,
    )
    rows = list(csv.reader(io.StringIO(to_csv([rec]))))
    assert rows[1][5].startswith("'=")
