"""The governor's emergency override: declare, confirm, extend, end; the state, the history,
and each agency's receipt. Every change is audited in its own unit of work, then announced."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from anyio import from_thread
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import (
    WallAction,
    require_emergency_command,
    require_emergency_report,
    require_wall,
)
from vms.access_objects import AccessContext, decide_emergency_history
from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.auth.principal import Principal
from vms.db.models.emergency import EmergencyDeclaration
from vms.db.models.identity import User
from vms.db.models.registry import Agency, Camera
from vms.db.models.walls import Wall
from vms.emergency.banner import page_in_scope
from vms.emergency.report import receipt, to_csv, to_pdf
from vms.emergency.service import (
    DeclarationSpec,
    EmergencyType,
    Scope,
    effective_state,
    to_override,
)
from vms.errors import Forbidden, NotFound
from vms.ptz.emergency import release_sessions, take_over_sessions
from vms.services import Services
from vms.walls import commit_and_announce, follow_emergency

router = APIRouter(prefix="/api/v1/emergency", tags=["emergency"])
log = logging.getLogger(__name__)


class ScopeIn(BaseModel):
    """`{"all": true}` for the whole province, or `{"agency_ids": [...], "tags": [...]}`."""

    model_config = ConfigDict(extra="forbid")

    all: bool = Field(False, description="Every camera of every agency.")
    agency_ids: list[int] = Field(default_factory=list, description="Agencies in scope.")
    tags: list[str] = Field(default_factory=list, description="Camera tags in scope.")


class EmergencyIn(BaseModel):
    """A declaration by the governor's office."""

    model_config = ConfigDict(extra="forbid")

    type: EmergencyType
    reason: str = Field(max_length=2000, description="Why; shown in the audit log.")
    duration_s: int = Field(description="How long it lasts unless extended or ended.")
    scope: ScopeIn
    include_command_center: bool = Field(
        False, description="The command center's supervisors and operators share the override."
    )


class ExtendIn(BaseModel):
    """How much longer the emergency lasts."""

    model_config = ConfigDict(extra="forbid")

    duration_s: int


class Inactive(BaseModel):
    """No emergency is pending or in force."""

    active: Literal[False] = False


class EmergencyOut(BaseModel):
    """A declaration; `state` is judged by time (active becomes expired at `ends_at`)."""

    active: bool
    id: int
    type: str
    scope: dict[str, Any]
    reason: str
    declared_by: str
    declared_by_name: str
    confirmed_by: str | None
    declared_at: datetime
    confirm_by: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    state: str
    include_command_center: bool
    ended_at: datetime | None
    ended_by: str | None
    in_scope: bool | None = Field(
        None,
        description="On GET: whether the asking wall or page is in the scope (the banner "
        "shows only there); null in the answers of changes.",
    )


class ReceiptLineOut(BaseModel):
    seq: int
    at: datetime
    kind: str = Field(description="viewed, controlled, exported or other")
    action: str
    username: str | None
    user_agency_id: int | None
    camera_id: int | None
    under_override: bool


class PersonOut(BaseModel):
    """One person who acted on the agency's cameras: how often, by kind."""

    username: str | None
    user_agency_id: int | None
    counts: dict[str, int]
    under_override: int = Field(description="How many of their acts only the override allowed.")


class ReceiptOut(BaseModel):
    """What was done on one agency's cameras during the emergency, and by whom."""

    emergency_id: int
    emergency_type: str
    reason: str
    declared_by: str | None
    agency_id: int
    agency_code: str
    agency_name: str
    period_start: datetime
    period_end: datetime
    counts: dict[str, int]
    people: list[PersonOut]
    lines: list[ReceiptLineOut]


def _name(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def _out(session: Session, row: EmergencyDeclaration, now: datetime) -> EmergencyOut:
    declarer = _name(session, row.declared_by)
    confirmer = _name(session, row.confirmed_by)
    ender = _name(session, row.ended_by)
    state = effective_state(row, now)
    return EmergencyOut(
        active=state in ("active", "pending_confirmation"),
        id=row.id,
        type=row.type,
        scope=row.scope,
        reason=row.reason,
        declared_by=declarer.username if declarer else str(row.declared_by),
        declared_by_name=(declarer.display_name or declarer.username) if declarer else "",
        confirmed_by=confirmer.username if confirmer else None,
        declared_at=row.declared_at,
        confirm_by=row.confirm_by,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=state,
        include_command_center=row.include_command_center,
        ended_at=row.ended_at,
        ended_by=ender.username if ender else None,
        in_scope=None,
    )


def _ptz_edge(
    services: Services, principal: Principal, row: EmergencyDeclaration, edge: str
) -> None:
    """After the commit: at the start, end the sessions on the cameras in scope; at the end,
    those taken under it (vms.ptz.emergency). The holders are told why. The change has
    happened by now: a failure here is logged, never the answer (the sessions lapse by
    themselves within the session timeout, and the override's claims win anyway)."""
    try:
        if edge == "start":
            if row.state != "active":
                return  # pending confirmation: nothing taken over yet
            why = (f"emergency {row.id} ({row.type}) declared by {principal.username}: the "
                   "governor's office takes command of this camera")  # fmt: skip
            override = to_override(row, frozenset())
            from_thread.run(take_over_sessions, services.ptz, services.db, principal, override, why)
        else:
            why = f"emergency {row.id} ended by {principal.username}: control is handed back"
            from_thread.run(release_sessions, services.ptz, services.db, principal, row.id, why)
    except Exception:
        log.exception("emergency %s: the PTZ sessions at its %s were not changed", row.id, edge)


@router.get("", responses={404: {"description": "No such wall, or not the caller's to see."}})
def current(
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: SessionDep,
    wall_id: int | None = Query(None, description="The wall asking (opened as /?wall=ID)."),
    camera_ids: Annotated[
        list[int] | None,
        Query(max_length=100, description="The cameras the page shows now (its own layout)."),
    ] = None,
) -> EmergencyOut | Inactive:
    """The emergency pending or in force, or `{"active": false}` (every signed-in wall polls).
    `in_scope` says whether the asking wall (`wall_id`, and the cameras it shows) or page is
    in its scope: a wall is when its agency is, or any camera on it is (vms.emergency.banner).
    """
    now = datetime.now(UTC)
    wall = None
    if wall_id is not None:
        wall = session.get(Wall, wall_id)
        missing = f"wall {wall_id} not found"
        if wall is None:
            raise NotFound(missing)
        require_wall(principal, WallAction.VIEW, wall, not_found=missing,
                     emergency=services.emergency.override())  # fmt: skip
    row = services.emergency.current(session, now)
    if row is None:
        return Inactive()
    out = _out(session, row, now)
    scope = to_override(row, frozenset())
    out.in_scope = page_in_scope(session, principal, scope, wall, camera_ids or [], now)
    return out


@router.post("", status_code=201)
def declare(
    body: EmergencyIn, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> EmergencyOut:
    """Declare: active at once, or pending a second person's confirmation (two-person rule)."""
    now = datetime.now(UTC)
    scope = Scope(body.scope.all, tuple(body.scope.agency_ids), tuple(body.scope.tags))
    spec = DeclarationSpec(
        body.type, body.reason, body.duration_s, scope, body.include_command_center
    )
    row = services.emergency.declare(session, principal, spec, now)
    session.commit()
    services.emergency.announce(row, "declare")
    _ptz_edge(services, principal, row, "start")
    return _out(session, row, now)


@router.post("/confirm")
def confirm(
    principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> EmergencyOut:
    """A second authorised person (not the declarer) confirms; it takes effect now."""
    now = datetime.now(UTC)
    row = services.emergency.confirm(session, principal, now)
    session.commit()
    services.emergency.announce(row, "confirm")
    _ptz_edge(services, principal, row, "start")
    return _out(session, row, now)


@router.post("/extend")
def extend(
    body: ExtendIn, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> EmergencyOut:
    """Push the end further out, before it passes."""
    now = datetime.now(UTC)
    walls: list[Wall] = []

    def follow(row: EmergencyDeclaration, old_end: datetime | None) -> None:
        walls.extend(follow_emergency(session, services.identity.audit, principal, row.id, now,
                                      old_end=old_end, new_end=row.ends_at))  # fmt: skip

    row = services.emergency.extend(session, principal, body.duration_s, now, follow)
    commit_and_announce(session, services.events, walls)  # pushes last to the new end
    services.emergency.announce(row, "extend")
    return _out(session, row, now)


@router.delete("")
def end(principal: CurrentPrincipal, services: ServicesDep, session: SessionDep) -> EmergencyOut:
    """End now: every right falls back to the sharing agreements at once."""
    now = datetime.now(UTC)
    walls: list[Wall] = []

    def follow(row: EmergencyDeclaration, _old_end: datetime | None) -> None:
        walls.extend(follow_emergency(session, services.identity.audit, principal, row.id, now))

    row = services.emergency.end(session, principal, now, follow)
    commit_and_announce(session, services.events, walls)  # back to their own layouts
    services.emergency.announce(row, "end")
    _ptz_edge(services, principal, row, "end")
    return _out(session, row, now)


@router.get("/history")
def history(
    principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> list[EmergencyOut]:
    """Every declaration, newest first (the governor's office and auditors)."""
    decision = decide_emergency_history(AccessContext.of(principal, services.emergency.override()))
    if not decision:
        raise Forbidden(decision.reason)
    now = datetime.now(UTC)
    return [_out(session, row, now) for row in services.emergency.history(session)]


class MapPointOut(BaseModel):
    """Where one agency has a camera: no camera name, id or address, only whose and where."""

    id: int = Field(description="A number for this answer only, not a camera id.")
    agency_id: int
    name_en: str = Field(description="The owning agency's name (the map's label).")
    latitude: float
    longitude: float


@router.get("/map", responses={403: {"description": "Not the governor's office."}})
def scope_map(principal: CurrentPrincipal, session: SessionDep) -> list[MapPointOut]:
    """Every active camera's position and owning agency, for choosing the scope on a map (the
    governor's office only; before a declaration it cannot see the cameras themselves)."""
    require_emergency_command(principal)
    rows = session.execute(
        select(Camera.agency_id, Agency.name_en, Agency.code, Camera.latitude, Camera.longitude)
        .join(Agency, Agency.id == Camera.agency_id)
        .where(Camera.state == "active", Camera.latitude.is_not(None))
        .where(Camera.longitude.is_not(None))
        .order_by(Camera.agency_id, Camera.id)
    ).all()
    points = [(a, name or code, lat, lon) for a, name, code, lat, lon in rows]
    return [
        MapPointOut(id=i + 1, agency_id=a, name_en=name, latitude=lat, longitude=lon)
        for i, (a, name, lat, lon) in enumerate(points)
        if lat is not None and lon is not None
    ]


@router.get(
    "/{emergency_id}/report",
    response_model=None,
    responses={
        200: {
            "model": ReceiptOut,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The receipt as JSON, or as CSV with format=csv.",
        },
        403: {"description": "Not the governor's office, an auditor, or the agency's own."},
        404: {"description": "No such emergency or agency."},
    },
)
def report(
    emergency_id: int,
    principal: CurrentPrincipal,
    session: SessionDep,
    agency_id: int = Query(description="The agency whose cameras the receipt covers."),
    format: Literal["json", "csv", "pdf"] = Query(
        "json", description="json; csv for a spreadsheet; pdf to print."
    ),
) -> ReceiptOut | Response:
    """One agency's receipt: what was viewed, controlled, exported on its cameras, by whom."""
    require_emergency_report(principal, agency_id)
    row = session.get(EmergencyDeclaration, emergency_id)
    if row is None:
        raise NotFound(f"emergency {emergency_id} not found")
    if session.get(Agency, agency_id) is None:
        raise NotFound(f"agency {agency_id} not found")
    rec = receipt(session, row, agency_id, datetime.now(UTC))
    if format == "pdf":
        name = f"emergency-{emergency_id}-agency-{agency_id}.pdf"
        return Response(
            to_pdf(rec),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "csv":
        name = f"emergency-{emergency_id}-agency-{agency_id}.csv"
        return Response(
            to_csv(rec),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return ReceiptOut(
        emergency_id=rec.emergency_id,
        emergency_type=rec.emergency_type,
        reason=rec.reason,
        declared_by=rec.declared_by,
        agency_id=rec.agency_id,
        agency_code=rec.agency_code,
        agency_name=rec.agency_name,
        period_start=rec.period_start,
        period_end=rec.period_end,
        counts=rec.counts(),
        people=[PersonOut(**_line_fields(p, PersonOut)) for p in rec.people()],
        lines=[ReceiptLineOut(**_line_fields(line, ReceiptLineOut)) for line in rec.lines],
    )


def _line_fields(item: object, model: type[BaseModel]) -> dict[str, Any]:
    return {name: getattr(item, name) for name in model.model_fields}
