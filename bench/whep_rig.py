"""The live-view benchmark rig: simulator, our server and the stock-aiortc server, each in
its own process, on the same simulated cameras.

* `vms camsim`: N cameras, sub stream 640x360 H.264 at 1 Mbit/s, 15 fps, GOP 2 s (the main
  stream is the same size; ingest pulls both, as for any "always" camera);
* ours: `vms serve` on a throwaway SQLite site; cameras registered through the API, so the
  path is sim → ingest → bus → relay;
* stock: bench/whep_stock.py, aiortc's MediaPlayer(rtsp, tcp) + MediaRelay per camera, once
  re-encoding, once with decode=False.

Used by bench/whep_ttff.py, bench/whep_latency.py and bench/whep_capacity.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.fixtures_server import ADMIN_PASSWORD, ADMIN_USER, site_settings  # noqa: E402

VMS = str(Path(sys.executable).with_name("vms"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
Server = Literal["ours", "stock-reencode", "stock-passthrough"]
SERVERS: tuple[Server, ...] = ("ours", "stock-reencode", "stock-passthrough")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {model}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in time") from None
            time.sleep(0.1)


@dataclass
class Rig:
    """Processes started by `start()`, stopped by `stop()`."""

    cameras: int = 1
    grain: int = 0  # camsim --grain: noise so the stream reaches the bitrate asked
    servers: tuple[Server, ...] = SERVERS
    relay: dict[str, Any] = field(default_factory=dict)
    sim_port: int = 0
    control_port: int = 0
    ports: dict[Server, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    camera_ids: list[int] = field(default_factory=list)
    server_root: Path | None = None  # run our server from another checkout (A/B of commits)
    headers: dict[str, str] = field(default_factory=dict)  # signs a viewer in on our server
    sim_args: str = ""  # more `vms camsim` options (e.g. "--onvif-port 9554")
    _stack: ExitStack = field(default_factory=ExitStack)

    def endpoint(self, server: Server, camera: int = 1) -> str:
        """The WHEP endpoint of simulator camera `camera` (1-based) on `server`."""
        port = self.ports[server]
        if server == "ours":
            return f"http://127.0.0.1:{port}/api/v1/cameras/{self.camera_ids[camera - 1]}/whep"
        return f"http://127.0.0.1:{port}/whep/{camera}"

    def schedule(self, camera: int = 1) -> list[float | None]:
        """The simulator's wall-clock send time of each loop frame index of the sub stream."""
        url = f"http://127.0.0.1:{self.control_port}/cameras/{camera}/schedule?stream=sub"
        with urllib.request.urlopen(url, timeout=5) as r:
            data: dict[str, Any] = json.load(r)
        return list(data["sent_at"])

    def start(self) -> Rig:
        try:
            self._start_sim()
            if "ours" in self.servers:
                self._start_ours()
            for mode in ("reencode", "passthrough"):
                if f"stock-{mode}" in self.servers:
                    self._start_stock(mode)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stack.close()

    def __enter__(self) -> Rig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT
    ) -> int:
        proc = subprocess.Popen(
            args,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,  # never a pipe nobody reads: a full one blocks the server
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
        )

        def end() -> None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

        self._stack.callback(end)
        self.pids[name] = proc.pid
        return proc.pid

    def _start_sim(self) -> None:
        self.sim_port, self.control_port = free_port(), free_port()
        args = f"--cameras {self.cameras} --port {self.sim_port} --control-port "
        args += f"{self.control_port} --size 640x360 --sub-size 640x360 --fps 15 --gop 2 "
        args += f"--bitrate 1000 --sub-bitrate 1000 --grain {self.grain} --log-level WARNING "
        args += self.sim_args
        self._spawn("camsim", [VMS, "camsim", *args.split()])
        _wait_http(f"http://127.0.0.1:{self.control_port}/cameras/1/schedule", 120)

    def sim_url(self, camera: int) -> str:
        return f"rtsp://127.0.0.1:{self.sim_port}/cam/{camera}/sub"

    def _start_ours(self) -> None:
        tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory()))
        settings = site_settings(tmp / "vms.db")
        port = settings.server.port
        env = {
            "VMS_DATABASE__URL": settings.database.url,
            "VMS_CREDENTIALS__KEY_FILE": str(settings.credentials.key_file),
            "VMS_SERVER__HOST": "127.0.0.1",
            "VMS_SERVER__PORT": str(port),
            "VMS_AUTH__COOKIE_SECURE": "false",
            "VMS_LOGGING__LEVEL": "WARNING",
            "VMS_INGEST__CAMERA_NETWORKS": '["127.0.0.0/8"]',  # the simulated cameras
            "VMS_RELAY__MAX_SESSIONS_PER_ADDRESS": "100000",
            "VMS_RELAY__MAX_SESSIONS": "100000",
            "VMS_RELAY__MAX_SESSIONS_PER_USER": "100000",  # every bench viewer is one user
        }
        env |= {f"VMS_RELAY__{k.upper()}": str(v) for k, v in self.relay.items()}
        if self.server_root is None:
            self._spawn("ours", [VMS, "serve"], env)
        else:
            env["PYTHONPATH"] = str(self.server_root)
            serve = [sys.executable, "-m", "vms.cli", "serve"]
            self._spawn("ours", serve, env, cwd=self.server_root)
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz")
        self.ports["ours"] = port
        with httpx.Client(base_url=base, timeout=30, headers={"Origin": base}) as client:
            r = client.post(
                "/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            r.raise_for_status()
            r = client.post(
                "/api/v1/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
            )
            r.raise_for_status()
            self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            agency = client.post(
                "/api/v1/agencies",
                json={"code": "BENCH", "kind": "municipality", "name_en": "Bench"},
            ).json()
            for n in range(1, self.cameras + 1):
                body = {
                    "code": f"BENCH-{n:03d}",
                    "agency_id": agency["id"],
                    "name_en": f"Bench camera {n}",
                    "main_url": f"rtsp://127.0.0.1:{self.sim_port}/cam/{n}/main",
                    "sub_url": self.sim_url(n),
                    "pull_mode": "always",
                }
                r = client.post("/api/v1/cameras", json=body)
                r.raise_for_status()
                self.camera_ids.append(int(r.json()["id"]))
            self._wait_online(client)

    def _wait_online(self, client: httpx.Client, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        wanted = {str(i) for i in self.camera_ids}
        pattern = re.compile(r'vms_ingest_online\{camera_id="(\d+)",stream="sub"\} 1\.0')
        while True:
            online = set(pattern.findall(client.get("/metrics").text))
            if wanted <= online:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cameras online: {sorted(online)} of {sorted(wanted)}")
            time.sleep(0.2)

    def _start_stock(self, mode: str) -> None:
        port = free_port()
        urls = [self.sim_url(n) for n in range(1, self.cameras + 1)]
        args = [sys.executable, "-m", "bench.whep_stock", "--port", str(port), "--mode", mode]
        self._spawn(f"stock-{mode}", args + urls)
        _wait_http(f"http://127.0.0.1:{port}/ready", 60)
        self.ports[f"stock-{mode}"] = port  # type: ignore[index]
