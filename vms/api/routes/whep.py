"""WHEP (draft-ietf-wish-whep): any standard player watches a camera with nothing of ours.

`POST /api/v1/cameras/{id}/whep?stream=sub|main` with an SDP offer answers `201 Created`, the
SDP answer and a `Location` naming the session; `DELETE` that location ends it, `PATCH` with a
trickle-ICE fragment adds remote candidates. Every failure is a 4xx/503 that says what to do.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ingest.packet import StreamKey, StreamKind
from relay.lookup import stream_to_watch
from relay.manager import RelayManager, retry_after
from relay.sdp import MAX_OFFER_BYTES, check_size, parse_offer
from relay.session import Viewer, ViewerSession
from vms.access import check_camera
from vms.api.deps import BriefPrincipal, ServicesDep
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.errors import (
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
    Unavailable,
    UnsupportedMediaType,
)
from vms.services import Services
from vms.site.membership import RedisSite
from vms.site.proxy import forwarded
from vms.site.routing import FORWARD_RESPONSES, elsewhere

router = APIRouter(tags=["whep"])

SDP = "application/sdp"
TRICKLE = "application/trickle-ice-sdpfrag"
SESSIONS_PATH = "/api/v1/whep/sessions"


def _text_body(media_type: str, what: str) -> dict[str, object]:
    """The request body of a route that reads it raw (not JSON), for the description."""
    schema = {"type": "string", "description": what}
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


BODY_TIMEOUT_S = 10.0
OPEN_TIMEOUT_S = 30.0  # caps every await of a POST: start wait + negotiation + gathering


def get_viewer(request: Request, principal: BriefPrincipal) -> Viewer:
    """The signed-in caller (Bearer token or the wall's session cookie), named in this one place;
    resolved without holding a database slot while the offer waits for a picture."""
    address = request.client.host if request.client else "unknown"
    return Viewer(address=address, user=principal.username, principal=principal)


def get_relay(services: ServicesDep) -> RelayManager:
    relay: RelayManager | None = getattr(services, "relay", None)
    if relay is None:
        raise Unavailable("the WebRTC relay is not running on this server")
    return relay


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
RelayDep = Annotated[RelayManager, Depends(get_relay)]
SessionId = Annotated[str, Path(max_length=64)]


@router.options("/api/v1/cameras/{camera_id}/whep", status_code=204)
async def whep_options(
    request: Request,
    services: ServicesDep,
    camera_id: Annotated[int, Path(ge=1, le=2**31 - 1)],  # in the path, so in the spec
) -> Response:
    """What the endpoint accepts (WHEP clients and CORS preflights ask this)."""
    headers = {"Accept-Post": SDP, "Allow": "OPTIONS, POST"}
    headers.update(_cors(request, services, "OPTIONS, POST"))
    return Response(status_code=204, headers=headers)


@router.post(
    "/api/v1/cameras/{camera_id}/whep",
    status_code=201,
    response_class=Response,
    responses={
        201: {"content": {SDP: {}}, "description": "SDP answer; Location names it"},
        **FORWARD_RESPONSES,
    },
    openapi_extra=_text_body(SDP, "the SDP offer"),
)
async def whep_offer(
    request: Request,
    camera_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    services: ServicesDep,
    relay: RelayDep,
    viewer: ViewerDep,
    stream: Annotated[Literal["sub", "main"], Query()] = "sub",
) -> Response:
    """Start watching a camera: offer in, answer out."""
    _require_type(request, SDP)
    body = await _read_body(request)
    offer = parse_offer(body)
    async with services.db.slot():
        key = await asyncio.to_thread(_allowed_stream, services, viewer, camera_id, stream)
    answer = await elsewhere(request, services.site, camera_id, body)
    if answer is not None:  # pulled by another node: its answer, and remember where
        _remember(services, answer, camera_id)
        return answer
    try:
        session = await asyncio.wait_for(relay.open(key, offer, viewer), OPEN_TIMEOUT_S)
    except TimeoutError:
        raise Unavailable(
            f"camera stream {key} did not start in time", headers=retry_after(5)
        ) from None
    location = f"{SESSIONS_PATH}/{session.id}"
    # the draft: a resource that takes trickle ICE says so in the 201 (Accept-Patch)
    headers = {"Location": location, "ETag": session.etag, "Accept-Patch": TRICKLE}
    links = _ice_links(relay)
    if links:
        headers["Link"] = links
    headers.update(_cors(request, services, "OPTIONS, POST"))
    return Response(
        str(session.pc.localDescription.sdp), status_code=201, media_type=SDP, headers=headers
    )


@router.delete(SESSIONS_PATH + "/{session_id}", status_code=204, responses={**FORWARD_RESPONSES})
async def whep_delete(
    request: Request,
    session_id: SessionId,
    services: ServicesDep,
    relay: RelayDep,
    viewer: ViewerDep,
) -> Response:
    """End a viewing session (the WHEP resource); only its viewer or a system administrator."""
    answer = await _session_elsewhere(request, services, relay, session_id, None)
    if answer is not None:
        if answer.status_code < 300 and isinstance(services.site, RedisSite):
            services.site.proxy.forget(session_id)
        return answer
    _own_session(relay, session_id, viewer)
    await relay.close(session_id, "viewer ended it (DELETE)")
    return Response(status_code=204)


@router.patch(
    SESSIONS_PATH + "/{session_id}",
    status_code=204,
    responses={**FORWARD_RESPONSES},
    openapi_extra=_text_body(TRICKLE, "trickle-ICE candidates (an SDP fragment)"),
)
async def whep_patch(
    request: Request,
    session_id: SessionId,
    services: ServicesDep,
    relay: RelayDep,
    viewer: ViewerDep,
) -> Response:
    """Trickle ICE: remote candidates for a running session. ICE restarts are refused (422)."""
    if not relay.has(session_id):
        _require_type(request, TRICKLE)
        body = await _read_body(request)
        answer = await _session_elsewhere(request, services, relay, session_id, body)
        if answer is not None:
            return answer
    session = _own_session(relay, session_id, viewer)
    _require_type(request, TRICKLE)
    if_match = request.headers.get("if-match")
    if if_match is not None and if_match.strip() not in ("*", session.etag):
        raise PreconditionFailed("If-Match does not name this session's current ETag")
    body = await _read_body(request)
    try:
        fragment = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("trickle-ICE fragment is not UTF-8 text") from None
    await asyncio.wait_for(session.add_candidates(fragment), BODY_TIMEOUT_S)
    return Response(status_code=204)


@router.options(SESSIONS_PATH + "/{session_id}", status_code=204)
async def whep_session_options(
    request: Request, services: ServicesDep, session_id: SessionId
) -> Response:
    """Methods of a session resource."""
    headers = {"Accept-Patch": TRICKLE, "Allow": "OPTIONS, PATCH, DELETE"}
    headers.update(_cors(request, services, "OPTIONS, PATCH, DELETE"))
    return Response(status_code=204, headers=headers)


def _remember(services: Services, answer: Response, camera_id: int) -> None:
    """Note which node holds a session this node forwarded (its PATCH/DELETE come here)."""
    site = services.site
    location = answer.headers.get("location", "")
    if answer.status_code == 201 and isinstance(site, RedisSite) and location:
        base = site.route(camera_id)
        if base is not None:
            site.proxy.remember(location.rsplit("/", 1)[-1], base)


async def _session_elsewhere(
    request: Request,
    services: Services,
    relay: RelayManager,
    session_id: str,
    body: bytes | None,
) -> Response | None:
    """A session this node forwarded to another: that node's answer; None to serve it here."""
    site = services.site
    if relay.has(session_id) or forwarded(request) or not isinstance(site, RedisSite):
        return None
    base = site.proxy.session_node(session_id)
    if base is None:
        return None
    return await site.proxy.forward(request, base, body)


def _allowed_stream(
    services: Services, viewer: Viewer, camera_id: int, stream: StreamKind
) -> StreamKey:
    """view_live on the camera (a camera the caller may not see reads like a missing one), then
    the registry's stream to serve. Blocking (SQL): call in a thread."""
    if viewer.principal is None:  # get_viewer always names one; never serve an anonymous view
        raise NotAuthenticated("not signed in")
    check_camera(
        services.db,
        viewer.principal,
        Permission.VIEW_LIVE,
        camera_id,
        not_found=f"no camera with id {camera_id}",
        emergency=services.emergency.override(),
    )
    return stream_to_watch(services.db, camera_id, stream)


def _own_session(relay: RelayManager, session_id: str, viewer: Viewer) -> ViewerSession:
    """The session, if the caller is its viewer (or a system administrator); another user's
    session answers exactly like an ended one."""
    session = relay.get(session_id)
    if not _may_touch(viewer.principal, session.viewer.principal):
        raise NotFound("no such WHEP session (it ended or never existed)")
    return session


def _may_touch(caller: Principal | None, owner: Principal | None) -> bool:
    if caller is None:
        return False
    if caller.is_global:
        return True
    return owner is not None and owner.user_id == caller.user_id


def _require_type(request: Request, expected: str) -> None:
    got = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if got != expected:
        raise UnsupportedMediaType(f"send the body as Content-Type: {expected} (got {got!r})")


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        check_size(int(declared))
    chunks: list[bytes] = []
    total = 0

    async def read() -> None:
        nonlocal total
        async for chunk in request.stream():
            total += len(chunk)
            check_size(total)
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), BODY_TIMEOUT_S)
    except TimeoutError:
        raise InvalidInput(f"request body not received within {BODY_TIMEOUT_S:g} s") from None
    body = b"".join(chunks)
    if not body:
        raise InvalidInput(f"empty body; send an SDP offer (at most {MAX_OFFER_BYTES} bytes)")
    return body


def _ice_links(relay: RelayManager) -> str:
    """STUN servers as WHEP `Link` headers; TURN credentials are never sent out."""
    return ", ".join(
        f'<{url}>; rel="ice-server"'
        for server in relay.config.ice_servers
        if server.credential is None
        for url in server.urls
    )


def _cors(request: Request, services: ServicesDep, methods: str) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin is None or origin not in services.settings.server.trusted_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
        "Access-Control-Expose-Headers": "Location, ETag, Link, Accept-Patch, Accept-Post",
        "Vary": "Origin",
    }
