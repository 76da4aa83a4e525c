"""Camera credentials in the database, on SQLite and PostgreSQL: the raw row holds no
plaintext, the registry and ingest read the real values back, a wrong key is a clear error,
rotation re-seals every row in one transaction, and the migration seals rows of old."""

from __future__ import annotations

import base64
import secrets

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from ingest.config import IngestConfig
from vms.camera_sync import build_specs
from vms.credentials.keys import CredentialKeyError, KeyRing, parse_keys
from vms.credentials.rotation import reseal_all, usage
from vms.db.engine import Database
from vms.db.migrate import alembic_config, upgrade
from vms.errors import ConfigError
from vms.registry.agencies import create_agency
from vms.registry.cameras import create_camera
from vms.registry.schemas import AgencyCreate, CameraCreate

POLICY = IngestConfig(allowed_schemes=["rtsp"], camera_networks=["127.0.0.0/8"]).url_policy()
USER, PASSWORD = "cam-admin", "Pa55-word-of-the-camera"


def _key(kid: str) -> str:
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def _db(url: str, keys: KeyRing) -> Database:
    db = Database(url, keys)
    upgrade(db.engine, keys=keys)
    return db


def _camera(db: Database, code: str = "CAM-1") -> int:
    with db.session() as session:
        agency = create_agency(
            session, AgencyCreate(code=f"AG-{code}", kind="municipality", name_en=f"Agency {code}")
        )
        camera = create_camera(
            session,
            CameraCreate(
                code=code,
                agency_id=agency.id,
                name_en=code,
                main_url="rtsp://127.0.0.1:8554/cam/1/main",
                username=USER,
                password=PASSWORD,
            ),
            POLICY,
        )
        return camera.id


def _raw(db: Database) -> list[tuple[str, ...]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM camera_credentials")).all()
    return [tuple(str(v) for v in row) for row in rows]


def test_raw_row_holds_no_plaintext_and_ingest_gets_the_real_values(
    db_url: str, keys: KeyRing
) -> None:
    db = _db(db_url, keys)
    try:
        camera_id = _camera(db)
        columns = {c["name"] for c in inspect(db.engine).get_columns("camera_credentials")}
        assert columns == {"camera_id", "key_id", "sealed"}
        (row,) = _raw(db)
        assert row[1] == keys.primary
        assert all(USER not in v and PASSWORD not in v for v in row)
        (spec,) = build_specs(db)
        assert spec.key.camera_id == camera_id and (spec.username, spec.password) == (
            USER,
            PASSWORD,
        )
    finally:
        db.dispose()


def test_wrong_key_is_a_clear_error_not_garbage(db_url: str, keys: KeyRing) -> None:
    db = _db(db_url, keys)
    try:
        _camera(db)
    finally:
        db.dispose()
    other = Database(db_url, parse_keys(f"{keys.primary}:" + _key("x").split(":")[1], "other"))
    try:
        with pytest.raises(CredentialKeyError, match="not the one it was sealed with"):
            build_specs(other)
    finally:
        other.dispose()
    keyless = Database(db_url)
    try:
        with pytest.raises(ConfigError, match="opened without them"):
            build_specs(keyless)
    finally:
        keyless.dispose()


def test_rotation_reseals_every_row_in_one_transaction(db_url: str, keys: KeyRing) -> None:
    old = parse_keys(_key("old"), "test")
    db = _db(db_url, old)
    try:
        first, second = _camera(db, "CAM-1"), _camera(db, "CAM-2")
        before = _raw(db)
    finally:
        db.dispose()
    both = parse_keys(_key("new") + "," + _key_of(old), "test")
    db = Database(db_url, both)
    try:
        assert usage(db) == {"old": 2}
        assert reseal_all(db) == 2
        assert usage(db) == {"new": 2}
        after = _raw(db)
        assert {r[2] for r in after}.isdisjoint({r[2] for r in before})
        assert all(USER not in r[2] and PASSWORD not in r[2] for r in after)
        specs = {s.key.camera_id: (s.username, s.password) for s in build_specs(db)}
        assert specs == {first: (USER, PASSWORD), second: (USER, PASSWORD)}
        assert reseal_all(db) == 0  # nothing left under an old key
    finally:
        db.dispose()
    new_only = Database(db_url, parse_keys(_key_of(both), "test"))
    try:
        assert len(build_specs(new_only)) == 2  # the old key is no longer needed
    finally:
        new_only.dispose()


def test_rotation_that_cannot_open_a_row_changes_nothing(db_url: str, keys: KeyRing) -> None:
    old = parse_keys(_key("old"), "test")
    db = _db(db_url, old)
    try:
        _camera(db, "CAM-1")
        _camera(db, "CAM-2")
        before = _raw(db)
    finally:
        db.dispose()
    lost = Database(db_url, parse_keys(_key("new") + ",old:" + _key("x").split(":")[1], "t"))
    try:
        with pytest.raises(CredentialKeyError):
            reseal_all(lost)
        assert _raw(lost) == before
    finally:
        lost.dispose()


def test_migration_seals_rows_stored_in_the_clear(
    db_url: str, keys: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(db_url)
    try:
        for head in ScriptDirectory.from_config(alembic_config()).get_heads():
            if head != "0015_credential_keys":
                upgrade(engine, head)  # everything but 0015
        plain = Database(db_url)
        try:
            with plain.session() as session:
                agency = create_agency(
                    session, AgencyCreate(code="AG", kind="municipality", name_en="Ag")
                )
                camera = create_camera(
                    session,
                    CameraCreate(
                        code="CAM-OLD",
                        agency_id=agency.id,
                        name_en="Old",
                        main_url="rtsp://127.0.0.1:8554/x",
                    ),
                    POLICY,
                )
                camera_id = camera.id
        finally:
            plain.dispose()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO camera_credentials (camera_id, username, password) "
                    "VALUES (:c, :u, :p)"
                ),
                {"c": camera_id, "u": USER, "p": PASSWORD},
            )
        monkeypatch.delenv("VMS_CREDENTIAL_KEYS")
        with pytest.raises(ConfigError, match=r"1 camera credential.*in the clear.*vms keys init"):
            upgrade(engine)
        with engine.connect() as conn:  # refused before any change
            assert conn.execute(text("SELECT username FROM camera_credentials")).scalar() == USER
        upgrade(engine, keys=keys)
    finally:
        engine.dispose()
    db = Database(db_url, keys)
    try:
        (row,) = _raw(db)
        assert row[1] == keys.primary and PASSWORD not in row[2] and USER not in row[2]
        (spec,) = build_specs(db)
        assert (spec.username, spec.password) == (USER, PASSWORD)
    finally:
        db.dispose()


def _key_of(ring: KeyRing) -> str:
    """The ring's first entry as text (to build another ring that holds it too)."""
    kid, key = ring.keys[0]
    return f"{kid}:{base64.urlsafe_b64encode(key).decode()}"
