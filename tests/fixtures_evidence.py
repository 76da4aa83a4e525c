"""Evidence fixtures (registered from tests/conftest.py): the multi-agency world of
tests/fixtures_identity.py, served with the [evidence] settings pointed at the test's own
directory and the camsim-fed clip source installed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.evidence.clip_source import PatternClipSource
from tests.fixtures_identity import World, build_world


def evidence_world(db_url: str, root: Path, **evidence: Any) -> Iterator[World]:
    """The identity world with exports under `root` and footage recorded for two days."""
    settings = {
        "signing_key_file": str(root / "keys" / "site.pem"),
        "export_dir": str(root / "exports"),
        **evidence,
    }
    worlds = build_world(db_url, evidence=settings)
    world = next(worlds)
    world.services.clip_source = PatternClipSource(datetime.now(UTC) - timedelta(days=2))
    try:
        yield world
    finally:
        worlds.close()  # stops the server


@pytest.fixture
def ev_world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """On SQLite and on PostgreSQL."""
    yield from evidence_world(db_url, tmp_path)
