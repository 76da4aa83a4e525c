"""Side by side with Janus: server CPU and offer-to-first-frame, ours vs Janus 1.1.2, one run.

The same simulated cameras (bench/whep_rig.py: `vms camsim`, sub 640x360 H.264 1 Mbit/s 15 fps
GOP 2 s) feed our server (`vms serve`: ingest → bus → relay, WHEP) and Debian's Janus
(streaming plugin, one RTSP mountpoint per camera, HTTP API on loopback; `bench/setup_janus.sh`
installs it). Viewers are aiortc peer connections in this process whose receivers count RTP
packets and frames (marker bit) instead of decoding. Per case and server in turn: open the
viewers, measure the server's CPU (process and children, /proc) over `--seconds`, close them.
A first row per server measures it with no viewer: ours pulls main and sub stream of every
camera (as for an "always" camera), Janus only the sub stream its mountpoints name.
"First frame" is the offer request (WHEP POST; Janus "watch") to the first complete frame's
last RTP packet at the viewer.

    bash bench/setup_janus.sh && python -m bench.janus_side_by_side --seconds 15 \
        [--cases 8x1,1x10,32x1,1x25]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from bench.ingest_bench import tree_cpu_seconds
from bench.whep_rig import Rig, machine, percentile
from tests.conftest import free_port

JANUS = "/usr/bin/janus"
PLUGINS = Path("/usr/lib/x86_64-linux-gnu/janus")
CASES = {  # name: (cameras, viewers)
    "8x1": (8, 1),
    "1x10": (1, 10),
    "32x1": (32, 1),
    "1x25": (1, 25),
}
FPS = 15

_first: dict[int, float] = {}  # receiver id -> time of its first marker packet
_frames: dict[int, int] = {}


def _install_counter() -> None:
    async def count(self: RTCRtpReceiver, packet: RtpPacket, arrival_time_ms: int) -> None:
        if packet.marker:
            key = id(self)
            _frames[key] = _frames.get(key, 0) + 1
            _first.setdefault(key, time.monotonic())

    RTCRtpReceiver._handle_rtp_packet = count  # type: ignore[method-assign]


# --- Janus ---------------------------------------------------------------------------------


def janus_config(folder: Path, http_port: int, rig: Rig, cameras: int) -> None:
    unused = ["audiobridge", "echotest", "lua", "duktape", "nosip", "recordplay", "sip"]
    unused += ["textroom", "videocall", "videoroom", "voicemail"]
    plugins = ",".join(f"libjanus_{p}.so" for p in unused)
    transports = ",".join(f"libjanus_{t}.so" for t in ("mqtt", "nanomsg", "pfunix", "rabbitmq"))
    (folder / "janus.jcfg").write_text(
        f'general: {{ configs_folder = "{folder}" plugins_folder = "{PLUGINS}/plugins" '
        f'transports_folder = "{PLUGINS}/transports" events_folder = "{PLUGINS}/events" '
        f'loggers_folder = "{PLUGINS}/loggers" debug_level = 3 }}\n'
        'nat: { ice_enforce_list = "lo" ignore_mdns = true }\n'
        'media: { rtp_port_range = "40000-44999" }\n'
        f'plugins: {{ disable = "{plugins}" }}\n'
        f'transports: {{ disable = "{transports},libjanus_websockets.so" }}\n'
        'events: { broadcast = false }\nloggers: { disable = "libjanus_jsonlog.so" }\n'
    )
    (folder / "janus.transport.http.jcfg").write_text(
        f'general: {{ json = "plain" base_path = "/janus" http = true port = {http_port} '
        'interface = "lo" https = false }\nadmin: { admin_http = false }\n'
    )
    mounts = [
        f'cam{n}: {{ type = "rtsp" id = {n} description = "cam{n}" audio = false video = true '
        f'url = "{rig.sim_url(n)}" rtsp_reconnect_delay = 5 rtsp_session_timeout = 0 '
        'rtsp_timeout = 10 rtsp_conn_timeout = 5 rtspiface = "127.0.0.1" }'
        for n in range(1, cameras + 1)
    ]
    (folder / "janus.plugin.streaming.jcfg").write_text(
        'general: { admin_key = "" rtp_port_range = "45000-49999" }\n' + "\n".join(mounts) + "\n"
    )


class JanusViewer:
    """One viewer of a Janus streaming mountpoint over the HTTP API."""

    def __init__(self, http: httpx.AsyncClient, base: str, mount: int) -> None:
        self.http, self.base, self.mount = http, base, mount
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.asked_at = 0.0
        self._tx = itertools.count()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body["transaction"] = f"t{next(self._tx)}"
        r = await self.http.post(self.base + path, json=body)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        if data.get("janus") == "error":
            raise RuntimeError(str(data))
        return data

    async def start(self) -> None:
        self.session = (await self._post("", {"janus": "create"}))["data"]["id"]
        path = f"/{self.session}"
        handle = await self._post(path, {"janus": "attach", "plugin": "janus.plugin.streaming"})
        self.path = f"{path}/{handle['data']['id']}"
        self.asked_at = time.monotonic()
        body = {"request": "watch", "id": self.mount}
        await self._post(self.path, {"janus": "message", "body": body})
        offer = await self._event_with_jsep()
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        jsep = {"type": "answer", "sdp": self.pc.localDescription.sdp}
        await self._post(
            self.path, {"janus": "message", "body": {"request": "start"}, "jsep": jsep}
        )
        self._keepalive = asyncio.create_task(self._poll())

    async def _event_with_jsep(self) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = await self.http.get(f"{self.base}/{self.session}", params={"maxev": 1})
            event = r.json()
            if event.get("jsep"):
                jsep: dict[str, Any] = event["jsep"]
                return jsep
        raise TimeoutError("Janus sent no offer")

    async def _poll(self) -> None:  # long polls keep the Janus session alive
        while True:
            try:
                await self.http.get(f"{self.base}/{self.session}", params={"maxev": 1})
            except httpx.HTTPError:
                await asyncio.sleep(1)

    async def stop(self) -> None:
        self._keepalive.cancel()
        await self.pc.close()
        try:
            await self._post(f"/{self.session}", {"janus": "destroy"})
        except (httpx.HTTPError, RuntimeError):
            pass


class WhepViewer:
    """One viewer of our server (a plain WHEP POST with all candidates)."""

    def __init__(self, http: httpx.AsyncClient, endpoint: str) -> None:
        self.http, self.endpoint = http, endpoint
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.asked_at = 0.0
        self.location: str | None = None

    async def start(self) -> None:
        self.pc.addTransceiver("video", direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.asked_at = time.monotonic()
        r = await self.http.post(
            self.endpoint,
            content=self.pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp"},
        )
        r.raise_for_status()
        self.location = r.headers.get("Location")
        await self.pc.setRemoteDescription(RTCSessionDescription(r.text, "answer"))

    async def stop(self) -> None:
        await self.pc.close()
        if self.location:
            url = httpx.URL(self.endpoint).join(self.location)
            try:
                await self.http.delete(url)
            except httpx.HTTPError:
                pass


async def run_case(server: str, viewers: list[Any], pid: int, seconds: float) -> dict[str, Any]:
    _first.clear()
    _frames.clear()
    for viewer in viewers:
        await viewer.start()
        await asyncio.sleep(0.05)
    await asyncio.sleep(3)  # warm up
    before = {id(v): _frames_of(v) for v in viewers}
    c0, t0 = tree_cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    c1, t1 = tree_cpu_seconds(pid), time.monotonic()
    frames = [(_frames_of(v) - before[id(v)]) / (t1 - t0) for v in viewers] or [0.0]
    firsts = [
        (_first[id(r)] - v.asked_at) * 1000
        for v in viewers
        for r in [t.receiver for t in v.pc.getTransceivers()]
        if id(r) in _first
    ]
    for viewer in viewers:
        await viewer.stop()
    return {
        "server": server,
        "cpu_cores": round((c1 - c0) / (t1 - t0), 3),
        "fps_min": round(min(frames), 1),
        "first_p50_ms": round(statistics.median(firsts), 1) if firsts else None,
        "first_p95_ms": round(percentile(firsts, 95), 1) if firsts else None,
        "viewers_with_frames": f"{len(firsts)}/{len(viewers)}",
    }


def _frames_of(viewer: Any) -> int:
    return sum(_frames.get(id(t.receiver), 0) for t in viewer.pc.getTransceivers())


async def main_async(seconds: float, grain: int, cases: list[str]) -> list[dict[str, Any]]:
    _install_counter()
    rows: list[dict[str, Any]] = []
    cameras = max(CASES[c][0] for c in cases)
    with Rig(cameras=cameras, grain=grain, servers=("ours",)) as rig:
        folder = Path(tempfile.mkdtemp(prefix="janus-bench-"))
        port = free_port()
        janus_config(folder, port, rig, cameras)
        janus = subprocess.Popen(
            [JANUS, "-F", str(folder), "-C", str(folder / "janus.jcfg"), "-N"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/janus"
            async with httpx.AsyncClient(timeout=30, headers=rig.headers) as http:
                await _wait_janus(http, base)
                await asyncio.sleep(3)  # mountpoints connect to the cameras
                for name, pid in (("ours", rig.pids["ours"]), ("janus", janus.pid)):
                    row = await run_case(name, [], pid, seconds)  # pulling, nobody watching
                    rows.append({"case": "no viewer (cameras pulled)", **row})
                    print(rows[-1], flush=True)
                for case in cases:
                    n_cams, n_viewers = CASES[case]
                    cams = [1 + i % n_cams for i in range(max(n_cams, n_viewers))]
                    ours = [WhepViewer(http, rig.endpoint("ours", c)) for c in cams]
                    row = await run_case("ours", ours, rig.pids["ours"], seconds)
                    rows.append({"case": case, **row})
                    print(rows[-1], flush=True)
                    theirs = [JanusViewer(http, base, c) for c in cams]
                    row = await run_case("janus", theirs, janus.pid, seconds)
                    rows.append({"case": case, **row})
                    print(rows[-1], flush=True)
        finally:
            janus.terminate()
            try:
                janus.wait(10)
            except subprocess.TimeoutExpired:
                janus.kill()
                janus.wait(5)
            shutil.rmtree(folder, ignore_errors=True)
    return rows


async def _wait_janus(http: httpx.AsyncClient, base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if (await http.get(base + "/info")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.3)
    raise RuntimeError("Janus did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--grain", type=int, default=24, help="camsim --grain: noise so streams reach 1 Mbit/s"
    )
    parser.add_argument(
        "--cases", default="8x1,1x10", help=f"cameras x viewers, of {','.join(CASES)}"
    )
    args = parser.parse_args()
    cases = args.cases.split(",")
    if not set(cases) <= set(CASES):
        raise SystemExit(f"--cases: one of {','.join(CASES)}")
    if not Path(JANUS).exists():
        raise SystemExit("Janus is not installed: bash bench/setup_janus.sh")
    rows = asyncio.run(main_async(args.seconds, args.grain, cases))
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine()}, camsim grain {args.grain}")
    print("| case | server | CPU (cores) | min fps per viewer | first frame p50 / p95 ms | "
          "viewers with frames |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['server']} | {r['cpu_cores']} | {r['fps_min']} | "
            f"{r['first_p50_ms']} / {r['first_p95_ms']} | {r['viewers_with_frames']} |"
        )


if __name__ == "__main__":
    main()
