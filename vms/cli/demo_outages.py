"""Scripted camera outages for `vms demo`, so the uptime report has something to say.

Through the simulator's HTTP fault control (camsim --control-port, loopback only), one camera
of the city municipality (PKT-CITY-003, simulator camera 3) goes down for a few minutes soon
after start and again every quarter of an hour; a second one (camera 4) stalls briefly.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fault:
    """Simulator camera `camera` gets fault `kind` for `seconds`, `after_s` into each cycle."""

    camera: int
    kind: str
    seconds: float
    after_s: float


SCRIPT = (Fault(3, "down", 180.0, 30.0), Fault(4, "stall", 45.0, 300.0))
CYCLE_S = 900.0


class DemoOutages:
    """Owns the thread that injects the faults; `stop()` ends it."""

    def __init__(self, control_url: str, script: tuple[Fault, ...] = SCRIPT) -> None:
        self.control_url = control_url.rstrip("/")
        self.script = script
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-outages", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def inject(self, fault: Fault) -> None:
        body = json.dumps({"kind": fault.kind, "seconds": fault.seconds}).encode()
        request = urllib.request.Request(  # noqa: S310 (the simulator on loopback)
            f"{self.control_url}/cameras/{fault.camera}/faults",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310
            resp.read()
        log.info("demo: simulated camera %d %s for %.0f s", fault.camera, fault.kind, fault.seconds)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = 0.0
            for fault in sorted(self.script, key=lambda f: f.after_s):
                if self._stop.wait(fault.after_s - started):
                    return
                started = fault.after_s
                try:
                    self.inject(fault)
                except OSError as exc:
                    log.warning("demo: could not inject a camera fault: %s", exc)
            if self._stop.wait(CYCLE_S - started):
                return
