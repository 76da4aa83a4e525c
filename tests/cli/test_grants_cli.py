"""`vms grants provincial` as a real process: explicit, audited, refused twice or for a
non-command-center."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import AuditRecord, Grant
from vms.db.models.registry import Agency

VMS = str(Path(sys.executable).with_name("vms"))


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VMS_DATABASE__URL": db_url}
    return subprocess.run(
        [VMS, "grants", "provincial", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_provincial_grant_from_the_console(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    db = Database(sqlite_url)
    with db.session() as s:
        s.add(Agency(code="PKT-CC", kind="command_center", name_en="Center"))
        s.add(Agency(code="PKT-MUNI", kind="municipality", name_en="Town"))
    refused = _run(sqlite_url, "--agency", "PKT-MUNI")
    assert refused.returncode == 1 and "not an active command center" in refused.stderr
    done = _run(sqlite_url, "--agency", "PKT-CC")
    assert done.returncode == 0, done.stderr
    again = _run(sqlite_url, "--agency", "PKT-CC")
    assert again.returncode == 1 and "already holds" in again.stderr
    with db.session() as s:
        grants = list(s.scalars(select(Grant)))
        assert [(g.owner_agency_id, g.level) for g in grants] == [(None, "live")]
        records = list(s.scalars(select(AuditRecord)))
        assert [(r.action, r.username, r.detail["grant_id"]) for r in records] == [
            ("grant.create", "console", grants[0].id)
        ]
    db.dispose()
