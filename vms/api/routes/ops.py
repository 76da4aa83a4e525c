"""Operations endpoints: `/healthz` (alive), `/readyz` (ready to serve), `/metrics`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from vms.api.deps import ServicesDep, metrics_reader
from vms.services import Services

router = APIRouter(tags=["ops"])

DB_CHECK_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and answering (on the event loop: it never waits for a thread)."""
    return {"status": "ok"}


def _ping_db(services: Services) -> None:
    with services.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/readyz", responses={503: {"description": "not ready"}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready when the services have started and the database answers; 503 otherwise. A node
    cut off from the site's Redis stays ready (it serves what it pulls) and says `degraded`."""
    checks: dict[str, Any] = {"services": "ok" if services.started else "starting"}
    try:
        async with asyncio.timeout(DB_CHECK_TIMEOUT_S):
            await asyncio.to_thread(_ping_db, services)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; say which kind, never the URL
        checks["database"] = f"unreachable ({type(exc).__name__})"
    ready = all(v == "ok" for v in checks.values())
    # reported, but never a reason to stop serving (live view goes on when the disk is full)
    warnings = {"recording": services.recordings.status()}
    # degraded is not "not ready": the node keeps serving what it pulls (docs/SCALING.md)
    degraded = services.site.degraded
    checks["site"] = "degraded (Redis unreachable: no new cameras)" if degraded else "ok"
    body = {"ready": ready, "degraded": degraded, "checks": checks, "warnings": warnings}
    return JSONResponse(body, 200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={401: {"description": "no credentials"}, 403: {"description": "not allowed"}},
)
def metrics(services: ServicesDep, _reader: Annotated[str, Depends(metrics_reader)]) -> Response:
    """Prometheus text format: camera stream states, packets, bytes, reconnects, drops.
    Not public: send `auth.metrics_token` as a bearer token, or sign in as system admin."""
    return Response(generate_latest(services.metrics), media_type=CONTENT_TYPE_LATEST)
