"""Errors mapped once for every route (vms/api/errors.py): an exhausted database pool is a 503
that says to come back, not a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from vms.api.errors import install_error_handlers


def test_pool_timeout_is_a_503_with_retry_after() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/busy")
    def busy() -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 25 reached")

    with TestClient(app) as client:
        r = client.get("/busy")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "2"
    assert r.json()["error"] == "unavailable" and "QueuePool" not in r.text
