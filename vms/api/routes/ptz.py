"""PTZ: `/api/v1/cameras/{id}/ptz...`, arbitrated by vms.ptz.control, and the caller's own
PTZ notices (`/api/v1/ptz/events`, server-sent events: a take-over is told to whom it hit).

A camera the caller cannot see answers 404 like a missing one; one they see but may not steer,
403; a camera without PTZ (or without the operation), 422; someone holding control with an
equal or higher priority (or a reservation), 409 naming them and until when.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from vms.access import ControlContext, ControlDecision, decide_ptz, require, require_ptz
from vms.api.deps import BriefPrincipal, ServicesDep
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Agency, Camera
from vms.errors import NotFound
from vms.ptz.arbitration import ClaimResult
from vms.ptz.control import TAKEN_OVER, Target, holder_out
from vms.ptz.driver import MoveRequest, Preset, PtzUnsupported
from vms.ptz.schemas import HeldOut, MoveIn, PresetIn, PtzOut, SessionIn
from vms.services import Services
from vms.sharing import COMMAND_CENTER_KIND

router = APIRouter(prefix="/api/v1/cameras", tags=["ptz"])
events_router = APIRouter(prefix="/api/v1/ptz", tags=["ptz"])
NO_BODY = SessionIn(reserve=False, minutes=None)  # POST .../session without a body: take control


def _resolve(
    services: Services, principal: Principal, camera_id: int, steer: bool
) -> tuple[Target, ControlDecision]:
    """The camera and the caller's PTZ decision on it; raises 404/403 (blocking: SQL)."""
    missing = f"camera {camera_id} not found"
    now = datetime.now(UTC)
    with services.db.session() as session:
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise NotFound(missing)
        agency = session.get(Agency, principal.agency_id)
        emergency = services.emergency.override()
        ctx = ControlContext(
            now,
            command_center=agency is not None and agency.kind == COMMAND_CENTER_KIND,
            emergency=emergency,
        )
        if steer:
            decision = require_ptz(principal, camera, ctx, not_found=missing)
        else:
            require(
                principal, Permission.VIEW_LIVE, camera, now, not_found=missing, emergency=emergency
            )
            decision = decide_ptz(principal, camera, ctx)
        return Target(camera.id, camera.agency_id), decision


async def _target(
    services: Services, principal: Principal, camera_id: int, *, steer: bool = True
) -> tuple[Target, ControlDecision]:
    async with services.db.slot():
        return await asyncio.to_thread(_resolve, services, principal, camera_id, steer)


def _held(result: ClaimResult) -> HeldOut:
    return HeldOut.model_validate({"holder": holder_out(result.holder), "outcome": result.outcome})


@router.get("/{camera_id}/ptz")
async def get_ptz(camera_id: int, principal: BriefPrincipal, services: ServicesDep) -> PtzOut:
    """Capabilities, position and who holds control (null when nobody does)."""
    target, decision = await _target(services, principal, camera_id, steer=False)
    ptz = services.ptz
    caps = await ptz.capabilities(camera_id)
    position = await ptz.call(camera_id, lambda d: d.position())
    holder = await ptz.store.holder(target.camera_id)
    return PtzOut.model_validate(
        {
            "camera_id": camera_id,
            "capabilities": caps,
            "position": position,
            "holder": holder_out(holder),
            "control": decision.allowed,
            "priority": ptz.priority(decision) if decision.allowed else None,
        }
    )


@router.post("/{camera_id}/ptz/move")
async def move(
    camera_id: int, body: MoveIn, principal: BriefPrincipal, services: ServicesDep
) -> HeldOut:
    """Move (taking control implicitly); refused with 409 while someone else holds it."""
    target, decision = await _target(services, principal, camera_id)
    ptz = services.ptz
    caps = await ptz.capabilities(camera_id)
    if not caps.supports(body.mode):
        raise PtzUnsupported(f"camera {camera_id} does not offer {body.mode} moves")
    request = MoveRequest(body.mode, body.pan, body.tilt, body.zoom, body.timeout_s)
    _, claimed = await ptz.command(
        principal, target, decision, "ptz.move", lambda d: d.move(request), body.model_dump()
    )
    return _held(claimed)


@router.post("/{camera_id}/ptz/stop")
async def stop(camera_id: int, principal: BriefPrincipal, services: ServicesDep) -> HeldOut:
    """Stop any movement."""
    target, decision = await _target(services, principal, camera_id)
    _, claimed = await services.ptz.command(
        principal, target, decision, "ptz.stop", lambda d: d.stop(), {}
    )
    return _held(claimed)


@router.get("/{camera_id}/ptz/presets")
async def list_presets(
    camera_id: int, principal: BriefPrincipal, services: ServicesDep
) -> list[Preset]:
    """The camera's stored presets."""
    await _target(services, principal, camera_id, steer=False)
    await _require_presets(services, camera_id)
    presets = await services.ptz.call(camera_id, lambda d: d.presets())
    return presets


async def _require_presets(services: Services, camera_id: int) -> None:
    caps = await services.ptz.capabilities(camera_id)
    if not caps.presets:
        raise PtzUnsupported(f"camera {camera_id} has no presets")


@router.post("/{camera_id}/ptz/presets/{token}/goto")
async def goto_preset(
    camera_id: int, token: str, principal: BriefPrincipal, services: ServicesDep
) -> HeldOut:
    """Go to a stored preset."""
    target, decision = await _target(services, principal, camera_id)
    await _require_presets(services, camera_id)
    _, claimed = await services.ptz.command(
        principal,
        target,
        decision,
        "ptz.preset_goto",
        lambda d: d.goto_preset(token),
        {"token": token},
    )
    return _held(claimed)


@router.put("/{camera_id}/ptz/presets/{token}")
async def set_preset(
    camera_id: int, token: str, body: PresetIn, principal: BriefPrincipal, services: ServicesDep
) -> Preset:
    """Store the current position as preset `token` with a name."""
    target, decision = await _target(services, principal, camera_id)
    await _require_presets(services, camera_id)
    stored, _ = await services.ptz.command(
        principal,
        target,
        decision,
        "ptz.preset_set",
        lambda d: d.set_preset(token, body.name),
        {"token": token, "name": body.name},
    )
    return Preset(token=stored, name=body.name)


@router.delete("/{camera_id}/ptz/presets/{token}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_preset(
    camera_id: int, token: str, principal: BriefPrincipal, services: ServicesDep
) -> Response:
    """Remove a stored preset."""
    target, decision = await _target(services, principal, camera_id)
    await _require_presets(services, camera_id)
    await services.ptz.command(
        principal,
        target,
        decision,
        "ptz.preset_remove",
        lambda d: d.remove_preset(token),
        {"token": token},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{camera_id}/ptz/home")
async def home(camera_id: int, principal: BriefPrincipal, services: ServicesDep) -> HeldOut:
    """Go to the home position."""
    target, decision = await _target(services, principal, camera_id)
    caps = await services.ptz.capabilities(camera_id)
    if not caps.home:
        raise PtzUnsupported(f"camera {camera_id} has no home position")
    _, claimed = await services.ptz.command(
        principal, target, decision, "ptz.home", lambda d: d.home(), {}
    )
    return _held(claimed)


@router.post("/{camera_id}/ptz/session")
async def take_session(
    camera_id: int, principal: BriefPrincipal, services: ServicesDep, body: SessionIn = NO_BODY
) -> HeldOut:
    """Take control (or a maintenance reservation) before moving."""
    target, decision = await _target(services, principal, camera_id)
    await services.ptz.driver(camera_id)
    spec = body
    minutes = None
    if spec.reserve:
        minutes = spec.minutes or services.settings.ptz.reservation_minutes
        minutes = min(minutes, services.settings.ptz.max_reservation_minutes)
    result = await services.ptz.take(
        principal, target, decision, reserve_minutes=minutes, why="session"
    )
    return _held(result)


@router.delete("/{camera_id}/ptz/session", status_code=status.HTTP_204_NO_CONTENT)
async def release_session(
    camera_id: int, principal: BriefPrincipal, services: ServicesDep
) -> Response:
    """Release one's control, or clear another's with a priority at least theirs."""
    target, decision = await _target(services, principal, camera_id)
    await services.ptz.release(principal, target, decision)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@events_router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "PTZ notices"}},
)
async def notices(
    request: Request, principal: BriefPrincipal, services: ServicesDep
) -> StreamingResponse:
    """The caller's PTZ notices as server-sent events (`event: ptz.taken_over`)."""
    sub = services.events.subscribe(TAKEN_OVER, maxsize=50)

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": ptz notices\n\n"
            while not await request.is_disconnected():
                event = await sub.get(wait_s=10.0)
                if event is None:
                    if sub.closed:
                        return
                    yield ": keep-alive\n\n"
                    continue
                if event.data.get("user_id") != principal.user_id:
                    continue
                yield f"event: {event.topic}\ndata: {json.dumps(event.data)}\n\n"
        finally:
            sub.close()

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
