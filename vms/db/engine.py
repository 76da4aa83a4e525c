"""The registry database: one SQLAlchemy engine and session factory per app, built from config.

Requests take one of a bounded number of slots (an asyncio semaphore, waited on in the event
loop) before they use a session on a worker thread. A request's steps run on different worker
threads; without the slots, a flood could leave every worker thread waiting for a pooled
connection held by requests that wait for a thread to finish, until the pool's timeout. The
pool holds more connections than there are slots, so background work always finds one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vms.credentials.keys import KeyRing
from vms.errors import ConfigError

POOL_SIZE = 5
MAX_OVERFLOW = 25
REQUEST_SLOTS = 15  # sessions requests may hold at once; the other 15 connections: background


class Database:
    """Owns the engine; `session()` gives a unit of work that commits or rolls back."""

    def __init__(self, url: str, keys: KeyRing | None = None) -> None:
        try:
            parsed = make_url(url)
        except Exception:
            raise ConfigError(f"database.url: not a database URL: {url!r}") from None
        self.url = parsed
        kwargs: dict[str, object] = {"future": True, "hide_parameters": True}
        in_memory = not parsed.database or parsed.database == ":memory:"
        if parsed.get_backend_name() == "sqlite":
            if not in_memory:
                Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        if not (in_memory and parsed.get_backend_name() == "sqlite"):
            kwargs.update(pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
        self.engine: Engine = create_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.keys = keys  # the credential keys; without them, camera credentials are refused
        info = {"credential_keys": keys} if keys is not None else {}
        self._factory = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._active = 0
        self._idle = threading.Condition()
        self._slots = asyncio.Semaphore(REQUEST_SLOTS)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the requests' slots (see the module's note) while using sessions."""
        async with self._slots:
            yield

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
