"""`vms serve --workers 2` (real PostgreSQL and Redis): both workers answer on the shared
port and on their own, split the cameras, a worker killed with SIGKILL is started again, and
SIGTERM to the command stops them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from camsim import SimulatorThread
from tests.conftest import free_port
from tests.serve_process import ready, until
from tests.site.cluster import seed, token

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _three_free_ports() -> int:
    while True:
        base = free_port()
        try:
            for p in (base + 1, base + 2):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue


def _nodes(base: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    r = httpx.get(base + "/api/v1/site/nodes", headers=auth, timeout=5)
    assert r.status_code == 200, r.text
    nodes: list[dict[str, Any]] = r.json()["nodes"]
    return [n for n in nodes if n["alive"]]


def test_two_supervised_workers_behind_one_port(postgres_url: str, camsim: SimulatorThread) -> None:
    seed(postgres_url, [camsim.url(n, "main") for n in range(1, 5)])
    port = _three_free_ports()
    env = {**os.environ, "VMS_DATABASE__URL": postgres_url, "VMS_STATE__BACKEND": "redis",
           "VMS_SITE__NAME": f"t-workers-{uuid.uuid4().hex[:8]}", "VMS_LOGGING__LEVEL": "WARNING",
           "VMS_AUTH__COOKIE_SECURE": "false",
           "VMS_INGEST__CAMERA_NETWORKS": '["127.0.0.0/8"]'}  # fmt: skip
    cmd = [sys.executable, "-m", "vms.cli", "serve", "--workers", "2", "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shared, own = f"http://127.0.0.1:{port}", [f"http://127.0.0.1:{port + i}" for i in (1, 2)]
    try:
        until(lambda: all(ready(u) for u in [shared, *own]), 60, "both workers", every=0.2)
        auth = token(shared)
        names = {f"127.0.0.1:{port + 1}", f"127.0.0.1:{port + 2}"}

        def split() -> bool:
            nodes = _nodes(shared, auth)
            return {n["name"] for n in nodes} == names and [n["cameras"] for n in nodes] == [2, 2]

        until(split, 30, "the four cameras split two and two")
        victim = next(n for n in _nodes(shared, auth) if n["name"].endswith(str(port + 2)))
        os.kill(victim["pid"], signal.SIGKILL)

        def restarted() -> bool:
            nodes = {n["name"]: n for n in _nodes(own[0], auth)}
            again = nodes.get(victim["name"])
            return again is not None and again["pid"] != victim["pid"] and again["cameras"] == 2

        until(restarted, 40, "the supervisor to start the killed worker again", every=0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(40)
    assert code == 0
    assert not any(ready(u) for u in [shared, *own])
