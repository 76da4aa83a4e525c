"""UTCDateTime on SQLite and PostgreSQL: whatever zone a timestamp was written in, it reads
back aware in UTC (SQLite stores none and used to give naive values back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency


def test_timestamps_read_back_aware_utc(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine)
        bangkok = timezone(timedelta(hours=7))
        written = {
            "AG-AWARE": datetime(2026, 12, 2, 22, 30, tzinfo=bangkok),
            "AG-NAIVE": datetime(2026, 12, 2, 15, 30),  # taken as UTC
            "AG-UTC": datetime(2026, 12, 2, 15, 30, tzinfo=UTC),
        }
        with db.session() as session:
            for code, at in written.items():
                session.add(Agency(code=code, kind="municipality", name_en=code, created_at=at))
        with db.session() as session:
            read = {a.code: a.created_at for a in session.scalars(select(Agency))}
            updated = {a.updated_at for a in session.scalars(select(Agency))}
        for code in written:
            assert read[code].tzinfo is UTC, code
            assert read[code] == datetime(2026, 12, 2, 15, 30, tzinfo=UTC), code
        assert all(u.tzinfo is UTC for u in updated)
    finally:
        db.dispose()
