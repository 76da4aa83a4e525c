"""A burst of sign-ins never takes the threads other requests need: while password checks
are stuck on the password pool, health checks and signed-in requests still answer, and
sign-ins beyond the queue cap are told when to retry. (Timings: bench/signin_flood.py.)"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.fixtures_server import ADMIN_PASSWORD, ADMIN_USER, LiveServer, site_settings
from vms.auth.sessions import Issued

THROTTLED = "127.0.0.1"  # the probe's own address, made to look like a guesser
BURST = 60  # more than the 40 worker threads that sync routes share; the pool holds 1+60


def test_stuck_sign_ins_do_not_stall_health_or_signed_in_requests(tmp_path: Path) -> None:
    settings = site_settings(tmp_path / "vms.db")
    settings.auth.hash_workers = 1
    settings.auth.hash_queue = BURST
    with LiveServer(settings) as server, server.client() as client:
        r = client.post(
            "/api/v1/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
        )
        signed_in = {"Authorization": f"Bearer {r.json()['access_token']}"}
        auth = server.services.identity.auth
        pool = server.services.identity.hashing
        gate = threading.Event()
        real_sign_in = auth.sign_in

        def stuck_sign_in(*args: str | None) -> Issued:
            gate.wait(60)
            return real_sign_in(*args)  # type: ignore[arg-type]

        auth.sign_in = stuck_sign_in  # type: ignore[method-assign]

        def sign_in(_: int) -> int:
            with server.client() as c:
                data = {"username": ADMIN_USER, "password": ADMIN_PASSWORD}
                return c.post("/api/v1/auth/token", data=data, timeout=90).status_code

        with ThreadPoolExecutor(BURST + 1) as burst:
            try:
                answers = [burst.submit(sign_in, i) for i in range(BURST + 1)]
                while pool.pending < pool.capacity:  # all waiting on the password pool
                    if all(a.done() for a in answers):
                        break
                    threading.Event().wait(0.05)
                with server.client() as probe:
                    assert probe.get("/healthz", timeout=10).status_code == 200
                    me = probe.get("/api/v1/auth/me", headers=signed_in, timeout=10)
                    assert me.status_code == 200
                    extra = probe.post(
                        "/api/v1/auth/token",
                        data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                        timeout=10,
                    )
                    assert extra.status_code == 429
                    assert int(extra.headers["Retry-After"]) >= 1
                    assert "at once" in extra.json()["detail"]
                    # a throttled address is refused as such, without a slot in the pool
                    auth.throttle.store.add_failure(f"a:{THROTTLED}", time.time(), 600)
                    for _ in range(settings.auth.max_failed_per_address):
                        auth.throttle.store.add_failure(f"a:{THROTTLED}", time.time(), 600)
                    throttled = probe.post(
                        "/api/v1/auth/token",
                        data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                        timeout=10,
                    )
                    assert throttled.status_code == 429
                    assert throttled.json()["details"]["reason"] == "address"
                    auth.throttle.store.clear(f"a:{THROTTLED}")  # the queued ones are real
            finally:
                gate.set()
            codes = sorted(a.result() for a in answers)
        assert codes == [200] * (BURST + 1)  # the queued ones were served once it moved
