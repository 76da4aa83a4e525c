"""The HTTP control endpoint: faults from another process, 4xx for bad input, bounded bodies."""

from __future__ import annotations

import httpx

from camsim import CameraSimulator
from tests.camsim.conftest import SimFactory


async def test_faults_over_http(sim_factory: SimFactory) -> None:
    sim = await sim_factory(control_port=0)
    assert sim.control_port
    base = f"http://127.0.0.1:{sim.control_port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        r = await http.post("/cameras/1/faults", json={"kind": "stall", "seconds": 30})
        assert r.status_code == 200 and r.json()["faults"]["stalled"] is True
        r = await http.post("/cameras/1/faults", json={"kind": "unstall"})
        assert r.json()["faults"]["stalled"] is False
        r = await http.post("/cameras/2/faults", json={"kind": "down"})
        assert r.json()["faults"]["down"] is True and r.json()["faults"]["down_remaining_s"] is None
        r = await http.post("/cameras/2/faults", json={"kind": "up"})
        assert r.json()["faults"]["down"] is False
        r = await http.post(
            "/cameras/3/faults", json={"kind": "auth", "user": "admin", "password": "S3cr3t!"}
        )
        assert r.json()["faults"]["auth"] == {"user": "admin", "method": "digest"}
        assert "S3cr3t!" not in r.text
        r = await http.post(
            "/cameras/3/faults", json={"kind": "resolution", "width": 480, "height": 270}
        )
        assert r.status_code == 200
        r = await http.get("/cameras/1/schedule", params={"stream": "sub"})
        assert r.status_code == 200 and len(r.json()["sent_at"]) == 6
        r = await http.get("/cameras/3")
        assert r.json()["main"]["clients"] == 0


async def test_bad_requests_get_4xx(sim_factory: SimFactory) -> None:
    sim: CameraSimulator = await sim_factory(control_port=0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sim.control_port}") as http:
        r = await http.post("/cameras/9/faults", json={"kind": "drop"})
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        r = await http.post("/cameras/1/faults", json={"kind": "explode"})
        assert r.status_code == 422 and "kind must be" in r.json()["message"]
        r = await http.post("/cameras/1/faults", json={"kind": "stall", "seconds": -1})
        assert r.status_code == 422
        r = await http.post("/cameras/1/faults", json={"kind": "resolution", "width": 641})
        assert r.status_code == 422
        r = await http.post(
            "/cameras/1/faults", json={"kind": "resolution", "width": 641, "height": 360}
        )
        assert r.status_code == 422 and "even" in r.json()["message"]
        r = await http.post("/cameras/1/faults", content=b"[1, 2]")
        assert r.status_code == 422
        r = await http.post("/cameras/1/faults", content=b"x" * 10_000)
        assert r.status_code == 413
        r = await http.get("/nothing")
        assert r.status_code == 404
        r = await http.delete("/cameras/1/faults")
        assert r.status_code == 422
