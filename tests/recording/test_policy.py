"""Which streams are recorded: the policy's cameras, plus every active camera in the scope of
an emergency while it is in force (forced on), judged as every access decision judges scope.
On a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ingest.packet import StreamKey
from tests.recording.conftest import migrated
from vms.db.engine import Database
from vms.db.models.registry import Agency, Camera, CameraTag
from vms.emergency.override import Override
from vms.recording.config import RecordingConfig
from vms.recording.policy import recorded_streams

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    """Agencies A and B. A-LINK is central-linked, A-PLAIN is not; B-FLOOD carries the tag
    `flood` and has a sub stream; B-PLAIN nothing; B-GONE is retired."""
    db = migrated(db_url)
    ids: dict[str, int] = {}
    with db.session() as session:
        for code in ("A", "B"):
            agency = Agency(code=code, kind="municipality", name_en=code)
            session.add(agency)
            session.flush()
            ids[code] = agency.id
        for code, agency, extra in [
            ("A-LINK", "A", {"central_link": True}),
            ("A-PLAIN", "A", {}),
            ("B-FLOOD", "B", {"sub_url": "rtsp://127.0.0.1/sub"}),
            ("B-PLAIN", "B", {}),
            ("B-GONE", "B", {"state": "retired"}),
        ]:
            camera = Camera(
                code=code, agency_id=ids[agency], name_en=code, main_url="rtsp://127.0.0.1/x",
                **extra,
            )  # fmt: skip
            session.add(camera)
            session.flush()
            ids[code] = camera.id
        session.add(CameraTag(camera_id=ids["B-FLOOD"], tag="flood"))
    try:
        yield db, ids
    finally:
        db.dispose()


def _declared(**scope: object) -> Override:
    return Override(
        7, "active", NOW - timedelta(minutes=5), NOW + timedelta(minutes=30), False,
        **scope,  # type: ignore[arg-type]
    )  # fmt: skip


def _cameras(keys: list[StreamKey]) -> list[int]:
    return sorted({k.camera_id for k in keys})


def test_policy_alone_records_the_central_link_cameras(
    site: tuple[Database, dict[str, int]],
) -> None:
    db, ids = site
    config = RecordingConfig(directory="unused")
    assert recorded_streams(db, config) == [StreamKey(ids["A-LINK"], "main")]
    both = config.model_copy(
        update={"streams": ["main", "sub"], "camera_codes": ["B-FLOOD", "B-GONE"]}
    )
    assert recorded_streams(db, both) == [
        StreamKey(ids["A-LINK"], "main"),
        StreamKey(ids["B-FLOOD"], "main"),
        StreamKey(ids["B-FLOOD"], "sub"),  # only B-FLOOD has a sub stream; B-GONE is retired
    ]


def test_emergency_in_force_adds_every_active_camera_in_its_scope(
    site: tuple[Database, dict[str, int]],
) -> None:
    db, ids = site
    config = RecordingConfig(directory="unused")
    by_agency = _declared(agency_ids=frozenset({ids["A"]}))
    assert _cameras(recorded_streams(db, config, by_agency, NOW)) == [ids["A-LINK"], ids["A-PLAIN"]]
    by_tag = _declared(tags=frozenset({"flood"}))
    assert _cameras(recorded_streams(db, config, by_tag, NOW)) == [ids["A-LINK"], ids["B-FLOOD"]]
    everything = replace(_declared(), scope_all=True)
    assert _cameras(recorded_streams(db, config, everything, NOW)) == sorted(
        ids[c]
        for c in ("A-LINK", "A-PLAIN", "B-FLOOD", "B-PLAIN")  # never the retired one
    )
    none = config.model_copy(update={"continuous": "none"})  # forced on whatever the policy says
    assert _cameras(recorded_streams(db, none, by_tag, NOW)) == [ids["B-FLOOD"]]


def test_emergency_not_in_force_or_recording_off_adds_nothing(
    site: tuple[Database, dict[str, int]],
) -> None:
    db, ids = site
    config = RecordingConfig(directory="unused")
    everything = replace(_declared(), scope_all=True)
    policy_only = [StreamKey(ids["A-LINK"], "main")]
    expired = NOW + timedelta(minutes=30)
    assert recorded_streams(db, config, everything, expired) == policy_only
    pending = replace(everything, state="pending_confirmation")
    assert recorded_streams(db, config, pending, NOW) == policy_only
    off = config.model_copy(update={"enabled": False})
    assert recorded_streams(db, off, everything, NOW) == []
