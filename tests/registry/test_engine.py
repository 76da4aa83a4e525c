"""The Database wrapper: units of work, and a dispose that waits for work on other threads."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from vms.db.engine import Database


def test_dispose_waits_for_a_unit_of_work_running_on_another_thread(db_url: str) -> None:
    db = Database(db_url)
    inside = threading.Event()
    finished: list[float] = []

    def work() -> None:
        with db.session() as session:
            session.execute(text("SELECT 1"))
            inside.set()
            time.sleep(0.3)
            session.execute(text("SELECT 1"))
            finished.append(time.monotonic())

    t = threading.Thread(target=work)
    t.start()
    assert inside.wait(5)
    db.dispose()
    disposed_at = time.monotonic()
    t.join(5)
    assert finished and finished[0] <= disposed_at


def test_failed_unit_of_work_rolls_back(db_url: str) -> None:
    db = Database(db_url)
    try:
        with db.session() as session:
            session.execute(text("CREATE TABLE t_roll (x INTEGER)"))
        try:
            with db.session() as session:
                session.execute(text("INSERT INTO t_roll VALUES (1)"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        with db.session() as session:
            assert session.execute(text("SELECT count(*) FROM t_roll")).scalar_one() == 0
    finally:
        db.dispose()
