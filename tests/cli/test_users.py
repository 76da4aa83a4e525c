"""`vms users create-admin` as a real process: no default password, stdin or generated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from vms.auth.passwords import verify_password
from vms.db.engine import Database
from vms.db.models.identity import AuditRecord, User
from vms.db.models.registry import Agency

VMS = str(Path(sys.executable).with_name("vms"))


def _run(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VMS_DATABASE__URL": db_url}
    return subprocess.run(
        [VMS, "users", "create-admin", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_admin_from_stdin(db_url: str) -> None:
    done = _run(db_url, "--username", "root-admin", "--password-stdin", stdin="long-enough-pw\n")
    assert done.returncode == 0, done.stderr
    assert "long-enough-pw" not in done.stdout + done.stderr
    db = Database(db_url)
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "root-admin")).one()
        agency = s.get(Agency, user.agency_id)
        assert user.role == "system_admin" and agency is not None
        assert agency.kind == "command_center"
        assert verify_password(user.password_hash, "long-enough-pw")
        assert "long-enough-pw" not in user.password_hash
        assert [r.action for r in s.scalars(select(AuditRecord))] == ["user.create"]
    db.dispose()
    again = _run(db_url, "--username", "root-admin", "--password-stdin", stdin="long-enough-pw\n")
    assert again.returncode == 1 and "taken" in again.stderr


def test_generated_password_is_printed_once_and_works(sqlite_url: str) -> None:
    done = _run(sqlite_url, "--username", "demo-admin", "--generate")
    assert done.returncode == 0, done.stderr
    password = done.stdout.split("password (shown once): ")[1].strip()
    db = Database(sqlite_url)
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "demo-admin")).one()
        assert verify_password(user.password_hash, password)
    db.dispose()


def test_short_password_and_no_terminal_are_refused(sqlite_url: str) -> None:
    short = _run(sqlite_url, "--username", "x-admin", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least" in short.stderr
    no_tty = _run(sqlite_url, "--username", "x-admin")
    assert no_tty.returncode == 1 and "--password-stdin" in no_tty.stderr
