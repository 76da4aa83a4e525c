"""`vms demo` from the outside: a child process, its banner, and its 16-camera wall online."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

Banner = tuple[dict[str, str], list[str], dict[str, str]]


def _free_range(count: int) -> int:
    """A base port with `count` free ports after it, below the ephemeral range (where
    free_port's picks, the demo's own ports among them, fall)."""
    for _ in range(50):
        base = random.randrange(20_000, 30_000 - count)
        with contextlib.ExitStack() as stack:
            try:
                for port in range(base, base + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return base
    raise AssertionError("no free port range for the ONVIF services")


def _read_banner(proc: subprocess.Popen[str], deadline: float) -> Banner:
    assert proc.stdout is not None
    passwords: dict[str, str] = {}
    wall: list[str] = []
    walls: dict[str, str] = {}
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"demo exited early with {proc.poll()}")
        url = re.search(r"\?grid=16&cameras=([\d,]+)", line)
        if url:
            wall = url.group(1).split(",")
        named = re.search(r"wall '(.+)': \S+\?wall=(\d+)", line)
        if named:
            walls[named.group(1)] = named.group(2)
        m = re.match(r"^\s{4}(\S+)\s+(\S+)\s+(\w+)\s+(PKT-\S+)\s*$", line)
        if m:
            passwords[m.group(1)] = m.group(2)
        elif passwords and line.startswith("===="):
            return passwords, wall, walls
    raise AssertionError("no account banner from the demo")


def test_demo_serves_the_sample_inventory_with_cameras_online(tmp_path: Path) -> None:
    port, rtsp = free_port(), free_port()
    env = {
        **os.environ,
        "VMS_DATABASE__URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "VMS_LOGGING__LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "vms.cli",
        "demo",
        "--port",
        str(port),
        "--camsim-port",
        str(rtsp),
        "--main-size",
        "320x180",
        "--sub-size",
        "160x96",
        "--onvif-port",
        str(_free_range(64)),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    children: list[int] = []
    try:
        passwords, wall, walls = _read_banner(proc, time.monotonic() + 240)
        assert set(walls) == {"CCOC main wall", "Patong desk"}
        assert {"admin", "ccoc.operator", "patong.desk1"} <= passwords.keys()
        assert len(wall) == 16
        base = f"http://127.0.0.1:{port}"
        online: list[str] = []
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    tok = client.post(
                        "/api/v1/auth/token",
                        data={"username": "ccoc.operator", "password": passwords["ccoc.operator"]},
                    )
                except httpx.TransportError:
                    time.sleep(0.5)
                    continue
                assert tok.status_code == 200, tok.text
                headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
                listing = client.get("/api/v1/cameras?limit=100", headers=headers).json()
                online = [
                    str(c["id"])
                    for c in listing["items"]
                    if c["streams"]["main"]["state"] == "online"
                    and c["streams"]["sub"]["state"] == "online"
                ]
                if set(wall) <= set(online):
                    break
                time.sleep(1)
        assert set(wall) <= set(online), f"wall cameras {wall}, online {online}"
        with httpx.Client(base_url=base, timeout=10) as client:
            tok = client.post(
                "/api/v1/auth/token",
                data={"username": "patong.desk1", "password": passwords["patong.desk1"]},
            )
            headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
            seen = client.get("/api/v1/cameras?limit=100", headers=headers).json()["items"]
            mine = client.get("/api/v1/walls", headers=headers).json()["items"]
        # the desk officer's station has its own wall; the command center's is not theirs
        assert [(w["name"], str(w["id"])) for w in mine] == [("Patong desk", walls["Patong desk"])]
        # their own station's cameras and what Patong municipality shares with it, nothing else
        assert {c["agency_code"] for c in seen} == {"PKT-POL-PATONG", "PKT-MUNI-PATONG"}
        # the station's PTZ camera answers over ONVIF, and its desk officer steers it
        ptz_cams = [c for c in seen if c["onvif_url"]]
        assert {c["code"] for c in ptz_cams} >= {"PKT-POL-PT-001", "PKT-PTG-002"}
        police = next(c for c in ptz_cams if c["code"] == "PKT-POL-PT-001")
        with httpx.Client(base_url=base, timeout=10, headers=headers) as client:
            state = client.get(f"/api/v1/cameras/{police['id']}/ptz")
            assert state.status_code == 200, state.text
            assert state.json()["capabilities"]["presets"] is True
            move = {"mode": "absolute", "pan": 0.5, "tilt": 0.0, "zoom": 0.5}
            moved = client.post(f"/api/v1/cameras/{police['id']}/ptz/move", json=move)
            assert moved.status_code == 200, moved.text
        # stopped as a service manager stops it (SIGTERM), the demo leaves no process behind:
        # neither its camera simulator nor its ingest shards
        children += _children(proc.pid)
        assert children, "the demo runs its simulator as a child process"
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        for pid in children:  # whatever outlived the demo: never leave it running
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; its parent has not reaped it
