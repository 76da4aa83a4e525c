"""Fixtures of the relay tests: a real server in a thread and H.264 packets to feed it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.relay.harness import ServerThread, encode_packets
from vms.config import Settings, load_settings


@pytest.fixture(scope="session")
def h264_packets() -> list[tuple[bytes, bool]]:
    """Four seconds of 320x180 constrained-baseline H.264 at 15 fps, GOP 2 s."""
    return encode_packets(60)


@pytest.fixture
def relay_settings(sqlite_url: str) -> dict[str, Any]:
    """Overrides for the relay section; tests edit it before asking for `server`."""
    return {"start_wait_s": 1.5, "connect_timeout_s": 3.0}


@pytest.fixture
def server(sqlite_url: str, relay_settings: dict[str, Any]) -> Iterator[ServerThread]:
    settings: Settings = load_settings(
        None,
        database={"url": sqlite_url},
        relay=relay_settings,
        ingest={"camera_networks": ["127.0.0.0/8"]},
    )
    with ServerThread(settings) as srv:
        yield srv
