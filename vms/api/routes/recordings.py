"""Recorded video: what is recorded when (spans and gaps) and playback of a time window.

`GET /api/v1/cameras/{id}/recordings?stream=&start=&end=` lists; `.../recordings/play?stream=
&start=&duration_s=&format=fmp4|mp4` answers video/mp4 starting at the keyframe at or before
`start`, with byte ranges. Access is the camera decision for `view_recordings` (another
agency's camera not shared for recordings answers 404 like a missing one); every playback is
audited (`recording.play`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field

from vms.access import require_camera
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.audit import AuditEntry
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.db.models.registry import Camera
from vms.errors import InvalidInput, NotFound
from vms.inputs import InputModel
from vms.recording.events import timeline_events
from vms.recording.ranges import RangeNotSatisfiable, parse_range
from vms.recording.times import iso, parse_instant
from vms.services import Services
from vms.site.routing import elsewhere

router = APIRouter(prefix="/api/v1/cameras", tags=["recordings"])

MP4 = "video/mp4"
EPOCH = "1970-01-01T00:00:00Z"
CameraId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Stream = Annotated[Literal["main", "sub"], Query(description="Which stream of the camera.")]


class Span(BaseModel):
    start: str
    end: str


class Gap(BaseModel):
    start: str
    end: str
    reason: str


class TriggerIn(InputModel):
    """An event on a camera (an alarm, an analytics hit): record it."""

    stream: Literal["main", "sub"] = "main"
    post_roll_s: float = Field(30.0, gt=0, le=600, description="Record this long after now.")
    reason: str = Field("", max_length=200, description="What happened (for the audit).")


class TriggerOut(BaseModel):
    """What is recorded until when; `continuous`: the stream is recorded anyway."""

    camera_id: int
    stream: str
    until: str
    continuous: bool
    post_roll_s: float
    reason: str


class Event(BaseModel):
    """Something the timeline marks: an event-recording trigger (kind "trigger"), recorded
    from its pre-roll to `until`."""

    at: str
    until: str
    kind: str
    reason: str


class Timeline(BaseModel):
    """Recorded spans and gaps (with why) within the asked range, and its events, oldest
    first."""

    spans: list[Span]
    gaps: list[Gap]
    events: list[Event]


def _camera(
    session: SessionDep, services: Services, principal: Principal, camera_id: int
) -> Camera:
    return require_camera(
        session,
        principal,
        Permission.VIEW_RECORDINGS,
        camera_id,
        not_found=f"no camera with id {camera_id}",
        emergency=services.emergency.override(),
    )


@router.get(
    "/{camera_id}/recordings",
    responses={
        404: {"description": "no such camera (or not yours)"},
        422: {"description": "bad times"},
    },
)
def list_recordings(
    camera_id: CameraId,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
    start: Annotated[str, Query(max_length=64, description="ISO 8601 with time zone")],
    end: Annotated[str, Query(max_length=64, description="ISO 8601 with time zone")],
    stream: Stream = "main",
) -> Timeline:
    """What is recorded of a camera stream between `start` and `end`: spans, gaps, and the
    event-recording triggers (events) in that range."""
    since, until = parse_instant("start", start), parse_instant("end", end)
    if until <= since:
        raise InvalidInput("end: must be after start")
    longest = timedelta(days=services.settings.recording.max_list_days)
    if until - since > longest:
        raise InvalidInput(f"end: at most {longest.days} days after start")
    _camera(session, services, principal, camera_id)
    spans, gaps = services.recordings.timeline(camera_id, stream, since, until)
    events = timeline_events(session, camera_id, stream, since, until)
    return Timeline(
        spans=[Span(start=iso(s.start), end=iso(s.end)) for s in spans],
        gaps=[Gap(start=iso(g.start), end=iso(g.end), reason=g.reason or "") for g in gaps],
        events=[
            Event(at=iso(e.at), until=iso(e.until), kind=e.kind, reason=e.reason) for e in events
        ],
    )


@router.get(
    "/{camera_id}/recordings/play",
    response_class=Response,
    responses={
        200: {"content": {MP4: {}}, "description": "the whole window"},
        206: {"content": {MP4: {}}, "description": "the asked byte range (Content-Range)"},
        404: {"description": "no such camera (or not yours), or nothing recorded there"},
        416: {"description": "the byte range starts past the end"},
        422: {"description": "bad start or duration"},
    },
)
def play_recording(
    camera_id: CameraId,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
    start: Annotated[str, Query(max_length=64, description="ISO 8601 with time zone")],
    duration_s: Annotated[float, Query(gt=0, description="Length of the window, seconds")],
    stream: Stream = "main",
    format: Annotated[
        Literal["fmp4", "mp4"],
        Query(description="fmp4: decode times since the Unix epoch; mp4: from 0"),
    ] = "fmp4",
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> Response:
    """The recorded original bitstream from the keyframe at or before `start`, as MP4.

    `fmp4`: fragmented MP4 whose decode times (tfdt, 90 kHz) count from the Unix epoch, so
    consecutive windows line up and every picture says its wall-clock time; `mp4`: a plain
    MP4 from 0 with `creation_time` set. Both: `X-Recording-Start`/`-End` headers give the
    wall-clock range really covered. Byte ranges (`Range: bytes=a-b`) answer 206."""
    since = parse_instant("start", start)
    longest = services.settings.recording.max_play_s
    if duration_s > longest:
        raise InvalidInput(f"duration_s: at most {longest:g} seconds")
    camera = _camera(session, services, principal, camera_id)
    try:
        played = services.recordings.playback.window(
            services.recordings, camera_id, stream, since, duration_s, format
        )
    except LookupError:
        raise NotFound(
            f"nothing recorded of camera {camera_id}/{stream} from {iso(since)}"
        ) from None
    size = len(played.data)
    headers: dict[str, str] = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-store",
        "X-Recording-Start": iso(played.start),
        "X-Recording-End": iso(played.end),
    }
    if format == "fmp4":
        headers["X-Recording-Epoch"] = EPOCH
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    if wanted is None or wanted[0] == 0:  # a player's first request for this window
        _audit(services, principal, camera, stream, since, duration_s, format, played.start)
    if wanted is None:
        return Response(played.data, media_type=MP4, headers=headers)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return Response(played.data[first : last + 1], 206, headers=headers, media_type=MP4)


def _audit(
    services: Services,
    principal: Principal,
    camera: Camera,
    stream: str,
    start: datetime,
    duration_s: float,
    fmt: str,
    first: datetime,
) -> None:
    detail: dict[str, Any] = {
        "stream": stream,
        "start": iso(start),
        "duration_s": duration_s,
        "format": fmt,
        "from": iso(first),
    }
    services.identity.audit.append(
        AuditEntry.by(
            principal,
            "recording.play",
            camera_id=camera.id,
            camera_agency_id=camera.agency_id,
            detail=detail,
        )
    )


@router.post(
    "/{camera_id}/recordings/trigger",
    status_code=202,
    response_model=TriggerOut,
    responses={
        404: {"description": "no such camera (or not yours)"},
        403: {"description": "visible, but you may not control it"},
        503: {
            "description": "recording is disabled on this server; or the camera is moving "
            "between nodes, or its node cannot be reached"
        },
    },
)
async def trigger_recording(
    request: Request,
    camera_id: CameraId,
    body: TriggerIn,
    services: ServicesDep,
    principal: CurrentPrincipal,
) -> TriggerOut | Response:
    """Event recording: from the cached GOP (the pre-roll, up to one GOP before now) until
    `post_roll_s` from now; a later trigger extends it. Needs the `control` permission on the
    camera (who may act on it); audited as `recording.trigger`. Asked of a node that does not
    pull the camera, it is done (and audited) by the node that does, through this one."""
    missing = f"no camera with id {camera_id}"
    async with services.db.slot():
        owner = await asyncio.to_thread(_controllable, services, principal, camera_id, missing)
    answer = await elsewhere(request, services.site, camera_id, await request.body())
    if answer is not None:
        return answer
    until = await services.recordings.trigger(camera_id, body.stream, body.post_roll_s)
    entry = AuditEntry.by(
        principal,
        "recording.trigger",
        camera_id=camera_id,
        camera_agency_id=owner,
        detail={"stream": body.stream, "post_roll_s": body.post_roll_s, "reason": body.reason},
    )
    await asyncio.to_thread(services.identity.audit.append, entry)
    return TriggerOut(
        camera_id=camera_id,
        stream=body.stream,
        until=iso(until),
        continuous=services.recordings.is_continuous(camera_id, body.stream),
        post_roll_s=body.post_roll_s,
        reason=body.reason,
    )


def _controllable(services: Services, principal: Principal, camera_id: int, missing: str) -> int:
    """The camera's agency, if `principal` may act on it (control); else NotFound/Forbidden."""
    with services.db.session() as session:
        camera = require_camera(
            session,
            principal,
            Permission.CONTROL,
            camera_id,
            not_found=missing,
            emergency=services.emergency.override(),
        )
        return camera.agency_id
