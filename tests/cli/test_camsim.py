"""`vms camsim` as a user runs it: a separate process serving cameras and its control port."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.peers.probe import ffprobe
from vms.cli import main

VMS = str(Path(sys.executable).with_name("vms"))


@pytest.fixture
def camsim_process() -> Iterator[tuple[str, int]]:
    port, control = free_port(), free_port()
    args = [VMS, "camsim", "--cameras", "2", "--port", str(port)]
    args += ["--size", "320x180", "--sub-size", "160x96", "--control-port", str(control)]
    args += ["--auth", "admin:S3cr3t!", "--bitrate", "300", "--sub-bitrate", "100"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    try:
        assert line.startswith("READY rtsp://127.0.0.1:"), line
        yield f"rtsp://127.0.0.1:{port}", control
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err  # SIGTERM stops it cleanly
    assert "S3cr3t!" not in err


def test_cli_serves_cameras_with_auth_and_control(camsim_process: tuple[str, int]) -> None:
    base, control = camsim_process
    probe = ffprobe(f"{base.replace('rtsp://', 'rtsp://admin:S3cr3t!@')}/cam/2/sub")
    assert probe.returncode == 0, probe.stderr
    assert (probe.streams[0]["width"], probe.streams[0]["height"]) == (160, 96)
    assert "401" in ffprobe(f"{base}/cam/2/sub").stderr
    body = json.dumps({"kind": "down", "seconds": 60}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{control}/cameras/1/faults", data=body, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        state = json.load(response)
    assert state["faults"]["down"] is True
    assert state["faults"]["auth"] == {"user": "admin", "method": "digest"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "big"], "--size must look like 640x360"),
        (["--size", "641x360"], "even number"),
        (["--auth", "nopassword"], "--auth must be USER:PASS"),
        (["--cameras", "0"], "cameras must be between"),
    ],
)
def test_cli_rejects_bad_options(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["camsim", "--port", "0", *args]) == 2
    assert message in capsys.readouterr().err
