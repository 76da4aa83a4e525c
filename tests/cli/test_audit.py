"""`vms audit verify` as a real process: exit 0 on an intact chain, 1 naming the first broken
record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, update

from vms.audit import AuditEntry, AuditTrail
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import AuditRecord

VMS = str(Path(sys.executable).with_name("vms"))


def _verify(db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VMS_DATABASE__URL": db_url}
    return subprocess.run(
        [VMS, "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_verify_intact_then_tampered(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine)
    engine.dispose()
    db = Database(db_url)
    trail = AuditTrail(db)
    for i in range(4):
        trail.append(AuditEntry("view.start", username="somchai", camera_id=i))
    ok = _verify(db_url)
    assert ok.returncode == 0, ok.stderr
    assert "intact: 4 records" in ok.stdout
    with db.session() as s:
        s.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(username="nobody"))
    broken = _verify(db_url)
    assert broken.returncode == 1
    assert "BROKEN at record 2" in broken.stdout
    db.dispose()
