"""Camera lookup for viewers (relay/lookup.py) against a real registry database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from ingest.packet import StreamKey
from relay.lookup import stream_to_watch
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.errors import Conflict, NotFound


@pytest.fixture
def db(db_url: str) -> Database:
    engine = create_engine(db_url)
    upgrade(engine)
    engine.dispose()
    database = Database(db_url)
    with database.session() as session:
        agency = Agency(code="PKT", kind="municipality", name_en="Phuket")
        session.add(agency)
        session.flush()
        for code, state, sub in (
            ("WITH-SUB", "active", "rtsp://cam/sub"),
            ("MAIN-ONLY", "active", None),
            ("RETIRED", "retired", "rtsp://cam/sub"),
            ("PROPOSED", "proposed", None),
        ):
            session.add(
                Camera(
                    code=code,
                    name_en=code,
                    agency_id=agency.id,
                    main_url="rtsp://cam/main",
                    sub_url=sub,
                    state=state,
                )
            )
    return database


def camera_id(db: Database, code: str) -> int:
    with db.session() as session:
        return next(c.id for c in session.query(Camera).filter_by(code=code))


def test_active_camera_streams_and_sub_falls_back_to_main(db: Database) -> None:
    with_sub, main_only = camera_id(db, "WITH-SUB"), camera_id(db, "MAIN-ONLY")
    assert stream_to_watch(db, with_sub, "sub") == StreamKey(with_sub, "sub")
    assert stream_to_watch(db, with_sub, "main") == StreamKey(with_sub, "main")
    assert stream_to_watch(db, main_only, "sub") == StreamKey(main_only, "main")
    db.dispose()


def test_unknown_retired_and_proposed_cameras_are_refused(db: Database) -> None:
    with pytest.raises(NotFound, match="9999"):
        stream_to_watch(db, 9999, "sub")
    with pytest.raises(NotFound, match="retired"):
        stream_to_watch(db, camera_id(db, "RETIRED"), "sub")
    with pytest.raises(Conflict, match="proposed"):
        stream_to_watch(db, camera_id(db, "PROPOSED"), "main")
    db.dispose()
