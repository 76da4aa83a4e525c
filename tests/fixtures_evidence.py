"""Evidence fixtures (registered from tests/conftest.py): the multi-agency world of
tests/fixtures_identity.py, served with the [evidence] settings pointed at the test's own
directory and the camsim-fed clip source installed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.conftest import free_port
from tests.evidence.clip_source import PatternClipSource
from tests.fixtures_identity import AGENCIES, World, seed_registry
from tests.fixtures_server import LiveServer
from vms.cli.grants import give_provincial
from vms.config import load_settings
from vms.db.migrate import upgrade


def evidence_world(db_url: str, root: Path, **evidence: Any) -> Iterator[World]:
    """A live server with the identity world seeded and a clip source installed."""
    engine = create_engine(db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    settings = load_settings(
        None,
        site_name="Phuket Test Site",
        database={"url": db_url},
        ingest={"camera_networks": ["127.0.0.0/8"]},
        server={"host": "127.0.0.1", "port": free_port()},
        auth={"cookie_secure": False},
        evidence={
            "signing_key_file": str(root / "keys" / "site.pem"),
            "export_dir": str(root / "exports"),
            **evidence,
        },
    )
    with LiveServer(settings) as server, server.client() as bootstrap:
        world = World(server=server, client=bootstrap)
        seed_registry(server.services, world)
        give_provincial(server.services.db, AGENCIES["cc"][0], by="fixture")
        server.services.clip_source = PatternClipSource(datetime.now(UTC) - timedelta(days=2))
        try:
            yield world
        finally:
            for c in world._clients:
                c.close()


@pytest.fixture
def ev_world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """On SQLite and on PostgreSQL."""
    yield from evidence_world(db_url, tmp_path)
