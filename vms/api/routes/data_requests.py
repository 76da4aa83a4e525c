"""Data-use requests: `/api/v1/data-requests` (file, list, read, approve, reject, download the
export, release the evidence locks) and the site's evidence public key,
`/api/v1/evidence/public-key`.

A request the caller may not see answers 404 like a missing one, and so does the export to
anyone but the requester; a request they see but may not decide, 403 (their own: always 403).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vms.access import (
    EvidencePolicy,
    RequestAction,
    approval_capacities,
    decide_data_request,
    releasable_agencies,
    required_capacities,
)
from vms.api.deps import BriefPrincipal, ServicesDep
from vms.auth.principal import Principal
from vms.db.models.evidence import DataRequest
from vms.db.models.recording import RecordingLock
from vms.errors import Conflict, Unavailable
from vms.evidence import workflow
from vms.evidence.signing import fingerprint, public_pem
from vms.inputs import MAX_INT, InputModel, Moment
from vms.services import Services

router = APIRouter(prefix="/api/v1/data-requests", tags=["evidence"])
key_router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such request, or not one the caller may see"}
}
FUTURE_SLACK = timedelta(seconds=60)
T = TypeVar("T")


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{field} must not be blank")
    return value


class DataRequestIn(InputModel):
    """A request for recorded footage: which cameras, which stream and range, and why."""

    cameras: list[Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(
        min_length=1, description="Ids of the cameras whose footage is requested."
    )
    stream: Literal["main", "sub"] = Field("main", description="Which recorded stream.")
    start: Moment = Field(description="Start of the range (ISO 8601 with a time zone).")
    end: Moment = Field(description="End of the range, after start, not in the future.")
    case_number: str = Field(min_length=1, max_length=100, description="The case it is for.")
    legal_basis: str = Field(
        min_length=1, max_length=500, description="The law or order that permits the request."
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why the footage is needed.")

    @field_validator("case_number", "legal_basis", "reason")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        return _text(value, info.field_name or "value")

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone (for example 2026-12-02T08:00:00+07:00)")
        return value.astimezone(UTC)

    @field_validator("cameras")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("a camera is listed twice")
        return value

    @field_validator("end")
    @classmethod
    def _range(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError("end must be after start")
        if value > datetime.now(UTC) + FUTURE_SLACK:
            raise ValueError("end is in the future: footage can be requested once recorded")
        return value


class RejectIn(InputModel):
    """Why a request is rejected (told to the requester, kept in the audit trail)."""

    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _text(value, "reason")


class ReleaseIn(RejectIn):
    """Why the locked footage goes back to retention (case closed, say; kept in the audit)."""


class LockOut(BaseModel):
    """An evidence lock the approval put on a camera's range: retention keeps it."""

    camera_id: int
    stream: str | None = Field(description="The locked stream; null: every stream.")
    start: datetime
    end: datetime


class CameraOut(BaseModel):
    camera_id: int
    agency_id: int


class ApprovalOut(BaseModel):
    capacity: str = Field(description='"agency:<id>" (an owning agency) or "working_group".')
    user_id: int
    username: str
    agency_id: int
    at: datetime


class ExportOut(BaseModel):
    """The export: state none/queued/building/ready/failed; download only by the requester."""

    state: str
    error: str | None
    bytes: int | None
    sha256: str | None
    exported_at: datetime | None
    expires_at: datetime | None
    download: str | None = Field(description="URL of the zip, for the requester while valid.")


class DataRequestOut(BaseModel):
    """A request as the caller may see it."""

    id: int
    state: str = Field(description="pending, approved, rejected, exported or expired.")
    cameras: list[CameraOut]
    stream: str
    start: datetime
    end: datetime
    case_number: str
    legal_basis: str
    reason: str
    requester_id: int
    requester_agency_id: int
    mine: bool
    created_at: datetime
    decided_at: datetime | None
    approver_rule: str
    approvals: list[ApprovalOut]
    approvals_needed: list[str]
    can_decide: bool
    locks: list[LockOut] = Field(description="Evidence locks still held (from the approval).")
    can_release: bool = Field(description="The caller may release some of those locks.")
    rejected_by: int | None
    reject_reason: str | None
    emergency_id: int | None
    export: ExportOut


class DataRequestList(BaseModel):
    items: list[DataRequestOut]


class PublicKeyOut(BaseModel):
    algorithm: str
    public_key_pem: str
    fingerprint: str = Field(description="SHA-256 of the raw public key, hex.")


def _policy(services: Services, session: Session) -> EvidencePolicy:
    cfg = services.settings.evidence
    return workflow.policy_for(session, cfg.approver, cfg.working_group_agency)


def _one(
    session: Session, row: DataRequest, principal: Principal, policy: EvidencePolicy
) -> DataRequestOut:
    return _out(row, principal, policy, workflow.locks_of(session, [row.id])[row.id])


def _out(
    row: DataRequest, principal: Principal, policy: EvidencePolicy, locks: list[RecordingLock]
) -> DataRequestOut:
    now = datetime.now(UTC)
    state = workflow.effective_state(row, now)
    have = {a.capacity for a in row.approvals}
    mine = row.requester_id == principal.user_id
    can_decide = (
        row.state == "pending"
        and bool(decide_data_request(principal, RequestAction.DECIDE, row, policy))
        and any(c not in have for c in approval_capacities(principal, row, policy))
    )
    releasable = releasable_agencies(principal, row, policy)
    agency_of = {c.camera_id: c.agency_id for c in row.cameras}
    can_release = any(agency_of.get(lk.camera_id) in releasable for lk in locks)
    download = None
    if mine and state == "exported" and row.export_state == "ready":
        download = f"/api/v1/data-requests/{row.id}/export"
    return DataRequestOut(
        id=row.id,
        state=state,
        cameras=[CameraOut(camera_id=c.camera_id, agency_id=c.agency_id) for c in row.cameras],
        stream=row.stream,
        start=row.start,
        end=row.end,
        case_number=row.case_number,
        legal_basis=row.legal_basis,
        reason=row.reason,
        requester_id=row.requester_id,
        requester_agency_id=row.requester_agency_id,
        mine=mine,
        created_at=row.created_at,
        decided_at=row.decided_at,
        approver_rule=row.approver,
        approvals=[
            ApprovalOut(
                capacity=a.capacity,
                user_id=a.user_id,
                username=a.username,
                agency_id=a.agency_id,
                at=a.at,
            )
            for a in row.approvals
        ],
        approvals_needed=[c for c in required_capacities(row, policy) if c not in have],
        can_decide=can_decide,
        locks=[
            LockOut(camera_id=lk.camera_id, stream=lk.stream, start=lk.start, end=lk.end)
            for lk in locks
        ],
        can_release=can_release,
        rejected_by=row.rejected_by,
        reject_reason=row.reject_reason,
        emergency_id=row.emergency_id,
        export=ExportOut(
            state=row.export_state,
            error=row.export_error,
            bytes=row.export_bytes,
            sha256=row.export_sha256,
            exported_at=row.exported_at,
            expires_at=row.expires_at,
            download=download,
        ),
    )


async def _in_thread(services: Services, fn: Callable[..., T], *args: object) -> T:
    """Run a blocking unit of work on a thread, under one of the database's request slots."""
    async with services.db.slot():
        return await asyncio.to_thread(fn, *args)


def _create(services: Services, principal: Principal, body: DataRequestIn) -> DataRequestOut:
    cfg = services.settings.evidence
    spec = workflow.RequestSpec(
        body.cameras,
        body.stream,
        body.start,
        body.end,
        body.case_number,
        body.legal_basis,
        body.reason,
    )
    workflow.check_range(spec, cfg.max_range_s, cfg.max_cameras)
    emergency = services.emergency.override()
    with services.db.session() as session:
        policy = _policy(services, session)
        row = workflow.create_request(
            session, services.identity.audit, principal, spec, cfg.approver, emergency=emergency
        )
        return _one(session, row, principal, policy)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "the caller's role may not request footage of a camera"},
        404: {"description": "a camera does not exist or is not one the caller may see"},
        422: {"description": "bad input: range, missing case number, unknown field ..."},
    },
)
async def create_data_request(
    body: DataRequestIn, principal: BriefPrincipal, services: ServicesDep
) -> DataRequestOut:
    """File a data-use request (state pending) for cameras the caller may view."""
    return await _in_thread(services, _create, services, principal, body)


def _list(services: Services, principal: Principal, limit: int, offset: int) -> DataRequestList:
    with services.db.session() as session:
        policy = _policy(services, session)
        rows = workflow.visible_requests(session, principal, policy, limit, offset)
        locks = workflow.locks_of(session, [r.id for r in rows])
        return DataRequestList(items=[_out(r, principal, policy, locks[r.id]) for r in rows])


@router.get("")
async def list_data_requests(
    principal: BriefPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> DataRequestList:
    """Newest first: the caller's own requests, those on cameras of an agency they
    administer, and every request for the working group and the system administrator."""
    return await _in_thread(services, _list, services, principal, limit, offset)


def _get(services: Services, principal: Principal, request_id: int) -> DataRequestOut:
    with services.db.session() as session:
        policy = _policy(services, session)
        row = workflow.get_visible(session, principal, policy, request_id)
        return _one(session, row, principal, policy)


@router.get("/{request_id}", responses=NOT_FOUND)
async def get_data_request(
    request_id: int,
    principal: BriefPrincipal,
    services: ServicesDep,
) -> DataRequestOut:
    """One request, with its approvals and the state of its export."""
    return await _in_thread(services, _get, services, principal, request_id)


def _approve(services: Services, principal: Principal, request_id: int) -> DataRequestOut:
    try:
        with services.db.session() as session:
            policy = _policy(services, session)
            row = workflow.approve(session, services.identity.audit, principal, policy, request_id)
            out = _one(session, row, principal, policy)
    except IntegrityError:  # two approvals in the same capacity raced (SQLite has no row lock)
        raise Conflict(f"data request {request_id} was decided meanwhile; reload it") from None
    return out


DECIDE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "the caller may see but not decide it (their own request, always)"},
    409: {"description": "not pending any more, or already approved by the caller"},
}


@router.post("/{request_id}/approve", responses=DECIDE_RESPONSES)
async def approve_data_request(
    request_id: int,
    principal: BriefPrincipal,
    services: ServicesDep,
) -> DataRequestOut:
    """Approve for the owning agency the caller administers (or as the working group). With
    the last approval needed the request is approved, its range evidence-locked, and its
    export produced in the background (see `export.state`)."""
    out: DataRequestOut = await _in_thread(services, _approve, services, principal, request_id)
    if out.state == "approved":
        services.evidence.enqueue(out.id)
    return out


def _reject(
    services: Services, principal: Principal, request_id: int, reason: str
) -> DataRequestOut:
    with services.db.session() as session:
        policy = _policy(services, session)
        row = workflow.reject(
            session, services.identity.audit, principal, policy, request_id, reason
        )
        return _one(session, row, principal, policy)


@router.post("/{request_id}/reject", responses=DECIDE_RESPONSES)
async def reject_data_request(
    request_id: int,
    body: RejectIn,
    principal: BriefPrincipal,
    services: ServicesDep,
) -> DataRequestOut:
    """Reject with a reason; one rejection ends the request."""
    return await _in_thread(services, _reject, services, principal, request_id, body.reason)


def _release(
    services: Services, principal: Principal, request_id: int, reason: str
) -> DataRequestOut:
    with services.db.session() as session:
        policy = _policy(services, session)
        row = workflow.release_locks(
            session, services.identity.audit, principal, policy, request_id, reason
        )
        return _one(session, row, principal, policy)


@router.post(
    "/{request_id}/release",
    responses={
        **NOT_FOUND,
        403: {"description": "the caller may see but not release it (their own request, always)"},
        409: {"description": "no evidence lock left that the caller may release"},
        422: {"description": "no reason given"},
    },
)
async def release_data_request_locks(
    request_id: int,
    body: ReleaseIn,
    principal: BriefPrincipal,
    services: ServicesDep,
) -> DataRequestOut:
    """Release the request's evidence locks on the cameras of the agencies the caller may
    decide for (all of them for the working group or the system administrator): retention
    may then delete that footage like any other. The export and its download are untouched;
    each released camera gets a `data_request.release` audit record with the reason."""
    return await _in_thread(services, _release, services, principal, request_id, body.reason)


def _download(services: Services, principal: Principal, request_id: int) -> tuple[Path, str]:
    with services.db.session() as session:
        policy = _policy(services, session)
        row = workflow.record_download(
            session, services.identity.audit, principal, policy, request_id
        )
        assert row.export_file is not None  # record_download refuses otherwise
        path = Path(services.settings.evidence.export_dir) / row.export_file
        if not path.is_file():  # rolls the download record back
            raise Unavailable(f"the export of data request {request_id} is missing on the server")
        return path, row.export_file


@router.get(
    "/{request_id}/export",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "the signed export zip"},
        404: {"description": "no such request, or the caller is not its requester"},
        409: {"description": "not approved, or the export is still being produced"},
        410: {"description": "the download window has passed"},
        503: {"description": "the export failed (recording not available, nothing recorded)"},
    },
)
async def download_export(
    request_id: int,
    principal: BriefPrincipal,
    services: ServicesDep,
) -> FileResponse:
    """The export zip (clips, manifest.json, its Ed25519 signature, the public key): only for
    the requester, until it expires; every download is audited."""
    path, name = await _in_thread(services, _download, services, principal, request_id)
    return FileResponse(path, media_type="application/zip", filename=name)


@key_router.get("/public-key")
async def evidence_public_key(principal: BriefPrincipal, services: ServicesDep) -> PublicKeyOut:
    """The site's Ed25519 public key that signs export manifests (for `vms evidence verify
    --public-key`)."""
    key = (await asyncio.to_thread(services.evidence.key)).public_key()
    return PublicKeyOut(
        algorithm="Ed25519", public_key_pem=public_pem(key).decode(), fingerprint=fingerprint(key)
    )
