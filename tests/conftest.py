"""Fixtures shared by the whole suite: free ports, settings on SQLite or PostgreSQL."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from vms.config import Settings, load_settings
from vms.credentials.keys import KeyRing, parse_keys

pytest_plugins = [
    "tests.fixtures_server",
    "tests.fixtures_identity",
    "tests.fixtures_camsim",
    "tests.agency_views",
    "tests.fixtures_evidence",
]

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_KEY_ID = "test-key"


@pytest.fixture(scope="session", autouse=True)
def credential_keys() -> Iterator[str]:
    """Every test site seals camera credentials with one key given in the environment, as a
    site may (VMS_CREDENTIAL_KEYS; child processes inherit it). Tests of the key handling
    set their own."""
    entry = f"{TEST_KEY_ID}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"
    old = os.environ.get("VMS_CREDENTIAL_KEYS")
    os.environ["VMS_CREDENTIAL_KEYS"] = entry
    yield entry
    if old is None:
        os.environ.pop("VMS_CREDENTIAL_KEYS", None)
    else:
        os.environ["VMS_CREDENTIAL_KEYS"] = old


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def keys(credential_keys: str) -> KeyRing:
    """The test sites' credential keys, for a `Database(url, keys)` built by a test."""
    return parse_keys(credential_keys, "tests")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vms.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL `test` database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Runs the test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vms.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """Default settings on a throwaway SQLite file."""
    return load_settings(
        None, database={"url": sqlite_url}, ingest={"camera_networks": ["127.0.0.0/8"]}
    )
