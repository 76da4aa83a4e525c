"""The wall page's server-sent events: the state on connect, a push delivered within a second
through the in-process bus and through the real Redis from another server process, and a
reconnect with Last-Event-ID that resumes without repeating what the page has."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fixtures_identity import World, build_world
from tests.fixtures_server import LiveServer

REDIS = {"backend": "redis", "redis_url": "redis://127.0.0.1:6379/0"}


class EventReader:
    """Reads one SSE stream on a thread over a plain socket (HTTP/1.0, so no chunking), which
    `close()` shuts down at once; `next()` gives each `state` event's data."""

    def __init__(self, client: httpx.Client, path: str, last_id: str | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        url = client.base_url
        self._sock = socket.create_connection((url.host, url.port or 80), timeout=30)
        lines = [f"GET {path} HTTP/1.0", f"Host: {url.host}:{url.port}"]
        lines.append(f"Authorization: {client.headers['Authorization']}")
        if last_id is not None:
            lines.append(f"Last-Event-ID: {last_id}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buf = b""
        with contextlib.suppress(OSError):
            while chunk := self._sock.recv(65536):
                buf += chunk
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    for line in block.decode().splitlines():
                        if line.startswith("data: "):
                            self.events.put(json.loads(line[6:]))

    def alive(self) -> bool:
        """Whether the server still keeps the stream open."""
        return self._thread.is_alive()

    def next(self, timeout: float) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        """End the stream now (the server sees the disconnect) and the reading thread."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)


def _setup(world: World) -> tuple[int, httpx.Client, httpx.Client]:
    admin = world.client_as("system_admin", "cc")
    body = {"name": "muni desk", "agency_id": world.agencies["muni"]}
    wall = admin.post("/api/v1/walls", json=body).json()["id"]
    return wall, world.client_as("supervisor", "cc"), world.client_as("operator", "muni")


def _push(boss: httpx.Client, wall: int, camera: int) -> dict[str, Any]:
    body = {"layout": {"grid": "1", "tiles": [{"camera_id": str(camera)}]}, "locked": True}
    r = boss.post(f"/api/v1/walls/{wall}/push", json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _delivered(reader: EventReader, seq: int, camera: int) -> float:
    """Seconds from now until the event for change `seq` arrives (fails after 1 s)."""
    start = time.monotonic()
    event = reader.next(timeout=1.0)
    assert event["seq"] == seq
    assert event["content"]["tiles"][0]["camera_id"] == str(camera)
    assert event["locked"] is True and event["pushed_by"]
    return time.monotonic() - start


def test_push_reaches_the_wall_in_process_and_reconnect_resumes(sqlite_world: World) -> None:
    world = sqlite_world
    wall, boss, local = _setup(world)
    url = f"/api/v1/walls/{wall}/events"
    reader = EventReader(local, url)
    try:
        first = reader.next(timeout=5)
        assert first["mode"] == "local" and first["seq"] == 0
        sent = time.monotonic()
        seq = _push(boss, wall, world.cameras["muni1"])["seq"]
        _delivered(reader, seq, world.cameras["muni1"])
        assert time.monotonic() - sent < 1.0
    finally:
        reader.close()
    # a page that has change `seq` reconnects and gets nothing until the next change
    again = EventReader(world.client_as("operator", "muni", "2"), url, last_id=str(seq))
    try:
        with pytest.raises(queue.Empty):
            again.next(timeout=0.5)
        seq2 = _push(boss, wall, world.cameras["muni2"])["seq"]
        _delivered(again, seq2, world.cameras["muni2"])
    finally:
        again.close()
    # a page that missed changes gets the current state at once
    behind = EventReader(world.client_as("operator", "muni", "3"), url, last_id=str(seq))
    try:
        assert behind.next(timeout=2)["seq"] == seq2
    finally:
        behind.close()


def test_stream_refuses_another_agencys_wall(sqlite_world: World) -> None:
    wall, _, _ = _setup(sqlite_world)
    other = sqlite_world.client_as("operator", "police")
    r = other.get(f"/api/v1/walls/{wall}/events")
    assert r.status_code == 404 and r.json()["detail"] == f"no wall {wall}"


def test_access_changes_reach_a_running_stream(sqlite_world: World) -> None:
    """A grant revoked re-sends the state with the tile no longer permitted (same id); the
    viewer disabled ends the stream."""
    world = sqlite_world
    admin = world.client_as("system_admin", "cc")
    body = {"name": "police desk", "agency_id": world.agencies["police"]}
    wall = admin.post("/api/v1/walls", json=body).json()["id"]
    muni_admin = world.client_as("agency_admin", "muni")
    grant = {
        "owner_agency_id": world.agencies["muni"],
        "grantee_agency_id": world.agencies["police"],
    }
    r = muni_admin.post("/api/v1/grants", json={**grant, "level": "live"})
    assert r.status_code == 201, r.text
    _push(world.client_as("supervisor", "cc"), wall, world.cameras["muni1"])
    reader = EventReader(world.client_as("operator", "police"), f"/api/v1/walls/{wall}/events")
    try:
        first = reader.next(timeout=5)
        assert first["content"]["tiles"][0]["permitted"] is True
        assert muni_admin.delete(f"/api/v1/grants/{r.json()['id']}").status_code == 204
        again = reader.next(timeout=2)
        assert again["seq"] == first["seq"]
        assert again["content"]["tiles"][0] == {"camera_id": None, "tour": None, "permitted": False}
        users = admin.get("/api/v1/users").json()
        op = next(u for u in users if u["username"] == world.user("operator", "police"))
        assert admin.delete(f"/api/v1/users/{op['id']}").status_code == 204
        deadline = time.monotonic() + 3
        while reader.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not reader.alive(), "the disabled viewer's stream did not end"
    finally:
        reader.close()


@pytest.fixture
def redis_world(sqlite_url: str) -> Iterator[World]:
    yield from build_world(sqlite_url, state=REDIS)


def test_push_on_one_process_reaches_a_wall_on_another_through_redis(
    redis_world: World,
) -> None:
    world = redis_world
    wall, boss, _ = _setup(world)
    settings = world.server.settings
    other_settings = settings.model_copy(
        update={"server": settings.server.model_copy(update={"port": free_port()})}
    )
    with LiveServer(other_settings) as other, other.client() as c:
        token = world.token("operator", "muni")
        c.headers["Authorization"] = f"Bearer {token}"
        reader = EventReader(c, f"/api/v1/walls/{wall}/events")
        try:
            assert reader.next(timeout=5)["mode"] == "local"
            sent = time.monotonic()
            seq = _push(boss, wall, world.cameras["muni1"])["seq"]  # served by the first process
            _delivered(reader, seq, world.cameras["muni1"])
            assert time.monotonic() - sent < 1.0
        finally:
            reader.close()
