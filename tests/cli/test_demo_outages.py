"""The demo's scripted outages reach a real simulator through its fault control."""

from __future__ import annotations

import json
import urllib.request

from tests.fixtures_camsim import CamsimFactory
from vms.cli.demo import _control_url
from vms.cli.demo_outages import DemoOutages, Fault


def faults(control: str, camera: int) -> dict[str, object]:
    with urllib.request.urlopen(f"{control}/cameras/{camera}", timeout=5) as resp:
        data: dict[str, object] = json.loads(resp.read())["faults"]
        return data


def test_the_script_takes_a_camera_down_then_stalls_another(
    camsim_factory: CamsimFactory,
) -> None:
    sim = camsim_factory(cameras=2, control_port=0)
    control = f"http://127.0.0.1:{sim.simulator.control_port}"
    outages = DemoOutages(control, (Fault(1, "down", 60, 0.0), Fault(2, "stall", 60, 0.05)))
    outages.start()
    try:
        deadline_checks = 0
        while faults(control, 2)["stalled"] is not True and deadline_checks < 100:
            deadline_checks += 1
            outages._stop.wait(0.05)
        assert faults(control, 1)["down"] is True
        assert faults(control, 2)["stalled"] is True
    finally:
        outages.stop()


def test_the_control_url_is_read_from_the_ready_line() -> None:
    line = "READY rtsp://127.0.0.1:8554/cam/1/main control=http://127.0.0.1:40001 onvif=x\n"
    assert _control_url(line) == "http://127.0.0.1:40001"
    assert _control_url("READY rtsp://127.0.0.1:8554/cam/1/main\n") is None
