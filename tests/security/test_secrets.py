"""A camera password never leaves the server: not in any API response for any role, not in any
log line at any level, not in any process command line."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fixtures_identity import CAMERA_PASSWORD, World

FORMS = {CAMERA_PASSWORD, quote(CAMERA_PASSWORD), quote(CAMERA_PASSWORD, safe="")}
ROLES = [
    ("system_admin", "cc"),
    ("agency_admin", "muni"),
    ("supervisor", "cc"),
    ("operator", "muni"),
    ("governor", "gov"),
    ("desk_officer", "police"),
]


def _leaks(text: str) -> list[str]:
    return [f for f in FORMS if f in text]


def test_camera_password_never_leaks(sqlite_world: World, caplog: pytest.LogCaptureFixture) -> None:
    w = sqlite_world
    caplog.set_level(logging.DEBUG)
    admin = w.client_as("system_admin", "cc")
    created = admin.post(
        "/api/v1/cameras",
        json={
            "code": "LEAK-1",
            "name_en": "Leak test",
            "agency_id": w.agencies["muni"],
            "main_url": "rtsp://127.0.0.1:8554/leak",
            "username": "admin",
            "password": CAMERA_PASSWORD,
        },
    )
    assert created.status_code == 201, created.text
    assert _leaks(created.text) == []
    cam = created.json()["id"]
    paths = [
        "/api/v1/cameras",
        f"/api/v1/cameras/{cam}",
        "/api/v1/cameras/export",
        "/api/v1/audit",
        "/api/v1/audit/export.csv",
        "/api/v1/grants",
        "/api/v1/users",
    ]
    for role, agency in ROLES:
        c = w.client_as(role, agency)
        for path in paths:
            r = c.get(path)
            assert _leaks(r.text) == [], (role, path)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(text) == []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if int(proc.name) == os.getpid() or "pytest" not in cmdline:
            assert _leaks(cmdline) == [], proc.name
