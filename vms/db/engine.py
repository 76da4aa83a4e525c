"""The registry database: one SQLAlchemy engine and session factory per app, built from config."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vms.errors import ConfigError


class Database:
    """Owns the engine; `session()` gives a unit of work that commits or rolls back."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception:
            raise ConfigError(f"database.url: not a database URL: {url!r}") from None
        self.url = parsed
        kwargs: dict[str, object] = {"future": True, "hide_parameters": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._active = 0
        self._idle = threading.Condition()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back otherwise."""
        with self._idle:
            self._active += 1
        try:
            with self._factory() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def dispose(self, wait_s: float = 10.0) -> None:
        """Close the pool once the units of work still running on other threads (a cancelled
        task's `to_thread` call, say) have finished, so none of their connections is orphaned."""
        deadline = time.monotonic() + wait_s
        with self._idle:
            while self._active and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
