"""PTZ latency: from the API call (`POST /api/v1/cameras/{id}/ptz/move`) to the move visible
at a WHEP viewer.

One simulated PTZ camera (ONVIF, `vms camsim --onvif-port`), registered on our server with
its `onvif_url`; a WHEP viewer (aiortc) decodes its pictures. Each move is an absolute move
to alternating positions; the simulator stamps its move counter into every picture
(`camsim.ptz_picture.read_moves`), so latency = the first decoded picture carrying the new
count - the time the API call was sent. It covers: the API and arbitration, the ONVIF request
to the camera, the camera's re-render (one GOP of the new view, both streams) and its next
frame, ingest, relay and the viewer's decode.

    python -m bench.ptz_latency --moves 30
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from bench.whep_latency import rgb
from bench.whep_rig import Rig, machine, percentile
from camsim.ptz_picture import read_moves
from tests.conftest import free_port
from tests.relay.whep_client import WhepClient

POSITIONS = ((-0.5, 0.25, 0.2), (0.5, -0.25, 0.6))


async def measure(rig: Rig, moves: int) -> tuple[list[float], list[float]]:
    base = f"http://127.0.0.1:{rig.ports['ours']}"
    camera = rig.camera_ids[0]
    latencies: list[float] = []
    answered: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=20, headers=rig.headers) as http:
        viewer = WhepClient(rig.endpoint("ours"), http)
        await viewer.start()
        try:
            warm_until = time.monotonic() + 3.0
            count = None
            while time.monotonic() < warm_until or count is None:
                count = read_moves(rgb(await viewer.frame(10)))
            for i in range(moves):
                pan, tilt, zoom = POSITIONS[i % 2]
                expected = (count + 1) % 4096
                body = {"mode": "absolute", "pan": pan, "tilt": tilt, "zoom": zoom}
                sent = time.monotonic()
                r = await http.post(f"/api/v1/cameras/{camera}/ptz/move", json=body)
                r.raise_for_status()
                answered.append((time.monotonic() - sent) * 1000)
                while read_moves(rgb(await viewer.frame(10))) != expected:
                    if time.monotonic() - sent > 10:
                        raise RuntimeError(f"move {i + 1} not visible after 10 s")
                latencies.append((time.monotonic() - sent) * 1000)
                count = expected
                await asyncio.sleep(0.3)
        finally:
            await viewer.stop()
    return latencies, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=30)
    args = parser.parse_args()
    onvif_port = free_port()
    with Rig(cameras=1, servers=("ours",), sim_args=f"--onvif-port {onvif_port}") as rig:
        base = f"http://127.0.0.1:{rig.ports['ours']}"
        url = f"http://127.0.0.1:{onvif_port}/onvif/device_service"
        with httpx.Client(base_url=base, timeout=20, headers=rig.headers) as client:
            r = client.patch(f"/api/v1/cameras/{rig.camera_ids[0]}", json={"onvif_url": url})
            r.raise_for_status()
        ms, api = asyncio.run(measure(rig, args.moves))
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine()}")
    print("| moves | visible p50 ms | p90 ms | max ms | API answered p50 ms |")
    print("|---|---|---|---|---|")
    print(
        f"| {len(ms)} | {percentile(ms, 50):.0f} | {percentile(ms, 90):.0f} | {max(ms):.0f} "
        f"| {percentile(api, 50):.0f} |"
    )


if __name__ == "__main__":
    main()
