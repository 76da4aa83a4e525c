"""Every request body has a size limit enforced while it is read: a huge body is refused with
413 before it is buffered, on a real server and at the ASGI stream."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.fixtures_server import LiveServer, site_settings
from vms.app import create_app
from vms.config import Settings

CHUNK = 64 * 1024
HUGE = 100 * 1024 * 1024


@pytest.fixture
def limited(tmp_path: Path) -> Settings:
    settings = site_settings(tmp_path / "vms.db")
    settings.server.max_body_bytes = 256 * 1024
    settings.server.max_upload_bytes = 1024 * 1024
    return settings


async def test_a_streamed_body_is_cut_off_at_the_limit(limited: Settings) -> None:
    """No Content-Length: the body is counted as it arrives; reading stops at the limit."""
    app = create_app(limited)
    pulled = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += CHUNK
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < HUGE}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/login",
        "raw_path": b"/api/v1/auth/login",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert b"server.max_body_bytes" in body and b"262144" in body
    assert pulled <= limited.server.max_body_bytes + CHUNK  # never read the 100 MB


def test_a_declared_huge_body_is_refused_before_it_is_sent(limited: Settings) -> None:
    """A real server answers 413 to the headers alone: the 100 MB are never sent or read."""
    with LiveServer(limited) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                + f"Content-Length: {HUGE}\r\n\r\n".encode()
                + b'{"username": "'
            )
            reply = b""
            while b"\r\n\r\n" not in reply or b"}" not in reply.split(b"\r\n\r\n", 1)[1]:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
        status_line = reply.split(b"\r\n", 1)[0]
        assert b" 413 " in status_line, reply
        assert b"payload_too_large" in reply


def test_json_is_small_and_uploads_larger(limited: Settings) -> None:
    with LiveServer(limited) as server, server.client() as client:
        server.sign_in(client)
        big_json = {"username": "x" * (300 * 1024), "password": "y"}
        r = client.post("/api/v1/auth/login", json=big_json)
        assert r.status_code == 413 and "server.max_body_bytes" in r.json()["detail"]
        # a 600 KiB upload passes the body limit (it is then judged as a spreadsheet) ...
        files = {"file": ("cams.csv", b"code,name_en\n" + b"a" * (600 * 1024), "text/csv")}
        r = client.post("/api/v1/cameras/import", files=files, data={"dry_run": "true"})
        assert r.status_code != 413, r.text
        # ... a 2 MiB one does not
        files = {"file": ("cams.csv", b"a" * (2 * 1024 * 1024), "text/csv")}
        r = client.post("/api/v1/cameras/import", files=files)
        assert r.status_code == 413 and "server.max_upload_bytes" in r.json()["detail"]
        # chunked (no Content-Length) is counted too
        r = client.post(
            "/api/v1/auth/login",
            content=iter([b"{" + b" " * CHUNK for _ in range(8)]),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413
        assert client.get("/api/v1/auth/me").status_code == 200  # the server is fine
