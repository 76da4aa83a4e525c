"""`GET /api/v1/walls/{id}/events`: the wall page's server-sent event stream.

Server-sent events, not a WebSocket: the traffic is one way (server to wall; the wall's own
acts are ordinary POSTs that go through the same CSRF and audit path as every other change),
`EventSource` reconnects by itself and sends `Last-Event-ID`, and it is plain HTTP with the
session cookie. Each event is the wall's whole state as the viewer may see it (`id:` is the
wall's change counter `seq`), so a reconnect is a state fetch: on connect the current state is
sent unless `Last-Event-ID` says the page already has it. Changes arrive on the event bus
(`wall.state`; in-process or Redis, so a push handled by another process reaches this one).
When access changes (`access.changed`: a grant revoked, the viewer signed out or disabled) the
viewer is re-resolved: a stream whose credential no longer holds ends, and otherwise the state
is sent again if what the viewer may see of it changed (same `id`, other tiles).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from vms import walls as domain
from vms.access import WallAction, require_wall
from vms.api.deps import BriefPrincipal, ServicesDep
from vms.auth.principal import Principal
from vms.db.models.walls import Wall
from vms.errors import NotFound
from vms.services import Services
from vms.view_access import TOPIC as ACCESS_TOPIC

router = APIRouter(prefix="/api/v1/walls", tags=["walls"])

KEEPALIVE_S = 15.0
POLL_S = 1.0  # how soon a closed page is noticed (nothing is written to it otherwise)


def _refresh(services: Services, principal: Principal) -> Principal | None:
    with services.db.session() as session:
        return services.identity.auth.refresh(session, principal)


def _state(services: Services, principal: Principal, wall_id: int) -> dict[str, object]:
    with services.db.session() as session:
        wall = session.get(Wall, wall_id)
        message = f"no wall {wall_id}"
        if wall is None:
            raise NotFound(message)
        now = datetime.now(UTC)
        em = services.emergency.override()
        require_wall(principal, WallAction.VIEW, wall, not_found=message, emergency=em)
        return dict(jsonable_encoder(domain.present(session, principal, wall, now, em)))


async def _load(services: Services, principal: Principal, wall_id: int) -> dict[str, object]:
    async with services.db.slot():
        return await run_in_threadpool(_state, services, principal, wall_id)


def _frame(state: dict[str, object]) -> str:
    return f"id: {state['seq']}\nevent: state\ndata: {json.dumps(state)}\n\n"


@router.get(
    "/{wall_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "wall states"}},
)
async def wall_events(
    wall_id: int, request: Request, services: ServicesDep, principal: BriefPrincipal
) -> StreamingResponse:
    """Server-sent events: `event: state`, `id:` the wall's `seq`, data as `GET /walls/{id}`."""
    sub = services.events.subscribe(domain.TOPIC, ACCESS_TOPIC, maxsize=100)
    try:
        first = await _load(services, principal, wall_id)  # 404 before the stream starts
    except BaseException:
        sub.close()
        raise
    last_id = request.headers.get("last-event-id")

    async def stream() -> AsyncIterator[str]:
        viewer: Principal = principal
        sent = first
        try:
            yield "retry: 1000\n\n"
            if last_id != str(first["seq"]):
                yield _frame(first)
            quiet = 0.0
            while not await request.is_disconnected():
                event = await sub.get(POLL_S)
                if event is None:
                    if sub.closed:
                        return
                    quiet += POLL_S
                    if quiet >= KEEPALIVE_S:
                        quiet = 0.0
                        yield ": keepalive\n\n"
                    continue
                if event.topic == ACCESS_TOPIC:
                    async with services.db.slot():
                        fresh = await run_in_threadpool(_refresh, services, principal)
                    if fresh is None:
                        return  # signed out, revoked or disabled: the stream ends
                    viewer = fresh
                elif event.data.get("wall_id") != wall_id:
                    continue
                state = await _load(services, viewer, wall_id)
                if state != sent:
                    sent = state
                    quiet = 0.0
                    yield _frame(state)
        except NotFound:
            return
        finally:
            sub.close()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
