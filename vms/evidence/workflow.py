"""The data-use request workflow: file, approve, reject, record a download, release the
evidence locks. Each state change
and its audit records are one unit of work (the caller's session; `AuditTrail.append_in`).

Blocking (SQL): call from a worker thread. Access is decided in `vms.access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import (
    EvidencePolicy,
    RequestAction,
    approval_capacities,
    as_utc,
    data_request_clause,
    releasable_agencies,
    require_data_request,
    require_footage_request,
    required_capacities,
)
from vms.audit import AuditEntry, AuditTrail
from vms.auth.principal import Principal
from vms.db.models.evidence import DataRequest, DataRequestApproval, DataRequestCamera
from vms.db.models.recording import RecordingLock
from vms.db.models.registry import Agency, Camera
from vms.emergency.override import Override
from vms.errors import Conflict, Gone, InvalidInput, NotFound, Unavailable


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """What a desk officer asks for (validated at the edge)."""

    camera_ids: list[int]
    stream: str
    start: datetime
    end: datetime
    case_number: str
    legal_basis: str
    reason: str


def effective_state(row: DataRequest, now: datetime) -> str:
    """The state as written, except an export whose download window has passed is expired."""
    if row.state == "exported" and row.expires_at is not None:
        if as_utc(now) >= as_utc(row.expires_at):
            return "expired"
    return row.state


def policy_for(session: Session, approver: str, working_group_code: str) -> EvidencePolicy:
    """The configured rule with the working group's agency code resolved to its id."""
    wg = None
    if working_group_code:
        wg = session.scalar(select(Agency.id).where(Agency.code == working_group_code))
    return EvidencePolicy(approver=approver, working_group_agency_id=wg)  # type: ignore[arg-type]


def _not_found(request_id: int) -> str:
    return f"data request {request_id} not found"


def _record(
    session: Session,
    audit: AuditTrail,
    principal: Principal | None,
    action: str,
    row: DataRequest,
    detail: dict[str, Any],
    outcome: str = "ok",
    cameras: set[int] | None = None,
) -> None:
    """One audit record per camera of the request (each owning agency sees its own), or per
    camera of `cameras` when the act touched only those."""
    base = {"request_id": row.id, "case_number": row.case_number, **detail}
    if row.emergency_id is not None:
        base["emergency_id"] = row.emergency_id
    for cam in row.cameras:
        if cameras is not None and cam.camera_id not in cameras:
            continue
        fields: dict[str, Any] = {
            "outcome": outcome,
            "camera_id": cam.camera_id,
            "camera_agency_id": cam.agency_id,
            "detail": base,
        }
        entry = (
            AuditEntry.by(principal, action, **fields)
            if principal is not None
            else AuditEntry(action=action, **fields)
        )
        audit.append_in(session, entry)


def record_system(
    session: Session,
    audit: AuditTrail,
    action: str,
    row: DataRequest,
    detail: dict[str, Any],
    outcome: str = "ok",
) -> None:
    """Audit an act of the server itself (export produced or failed, download expired)."""
    _record(session, audit, None, action, row, detail, outcome)


def create_request(
    session: Session,
    audit: AuditTrail,
    principal: Principal,
    spec: RequestSpec,
    approver: str,
    *,
    emergency: Override | None = None,
    now: datetime | None = None,
) -> DataRequest:
    """File a request for cameras the caller may view; an invisible or missing camera is 404."""
    moment = now or datetime.now(UTC)
    emergency_id: int | None = None
    cameras: list[DataRequestCamera] = []
    for camera_id in spec.camera_ids:
        missing = f"camera {camera_id} not found"
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise NotFound(missing)
        # a retired camera's recordings are kept (retention decides), so they may be asked for
        decision = require_footage_request(
            principal, camera, moment, not_found=missing, emergency=emergency
        )
        emergency_id = emergency_id or decision.emergency_id
        cameras.append(DataRequestCamera(camera_id=camera.id, agency_id=camera.agency_id))
    row = DataRequest(
        requester_id=principal.user_id,
        requester_agency_id=principal.agency_id,
        stream=spec.stream,
        start=spec.start,
        end=spec.end,
        case_number=spec.case_number,
        legal_basis=spec.legal_basis,
        reason=spec.reason,
        approver=approver,
        state="pending",
        emergency_id=emergency_id,
        created_at=moment,
        export_state="none",
        cameras=cameras,
    )
    session.add(row)
    session.flush()
    detail = {
        "stream": spec.stream,
        "start": as_utc(spec.start).isoformat(),
        "end": as_utc(spec.end).isoformat(),
        "legal_basis": spec.legal_basis,
    }
    _record(session, audit, principal, "data_request.create", row, detail)
    return row


def visible_requests(
    session: Session, principal: Principal, policy: EvidencePolicy, limit: int, offset: int
) -> list[DataRequest]:
    """Newest first, the requests the caller may see."""
    stmt = (
        select(DataRequest)
        .where(data_request_clause(principal, policy))
        .order_by(DataRequest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))


def _load(
    session: Session,
    principal: Principal,
    policy: EvidencePolicy,
    request_id: int,
    action: RequestAction,
    *,
    lock: bool = False,
) -> DataRequest:
    """The request, if the caller may do `action` to it; a missing one and one they may not
    see raise the same NotFound."""
    row = session.get(DataRequest, request_id, with_for_update=lock)
    if row is None:
        raise NotFound(_not_found(request_id))
    require_data_request(principal, action, row, policy, not_found=_not_found(request_id))
    return row


def get_visible(
    session: Session, principal: Principal, policy: EvidencePolicy, request_id: int
) -> DataRequest:
    return _load(session, principal, policy, request_id, RequestAction.VIEW)


def _load_for_decision(
    session: Session, principal: Principal, policy: EvidencePolicy, request_id: int
) -> DataRequest:
    row = _load(session, principal, policy, request_id, RequestAction.DECIDE, lock=True)
    if row.state != "pending":
        raise Conflict(f"data request {request_id} is {row.state}, not pending")
    return row


def approve(
    session: Session,
    audit: AuditTrail,
    principal: Principal,
    policy: EvidencePolicy,
    request_id: int,
    now: datetime | None = None,
) -> DataRequest:
    """Add the caller's approval (for every capacity they hold that is still missing). When the
    last required approval is in, the request is approved, its ranges are evidence-locked and
    its export is queued: the caller then hands it to the exporter after the commit."""
    moment = now or datetime.now(UTC)
    row = _load_for_decision(session, principal, policy, request_id)
    have = {a.capacity for a in row.approvals}
    new = [c for c in approval_capacities(principal, row, policy) if c not in have]
    if not new:
        raise Conflict(f"you already approved data request {request_id}")
    for capacity in new:
        row.approvals.append(
            DataRequestApproval(
                capacity=capacity,
                user_id=principal.user_id,
                username=principal.username,
                agency_id=principal.agency_id,
                at=moment,
            )
        )
    missing = [c for c in required_capacities(row, policy) if c not in have | set(new)]
    if not missing:
        row.state = "approved"
        row.decided_at = moment
        row.export_state = "queued"
        for cam in row.cameras:
            session.add(
                RecordingLock(
                    camera_id=cam.camera_id,
                    stream=row.stream,
                    start=row.start,
                    end=row.end,
                    reason=f"data request {row.id} (case {row.case_number})",
                    request_id=row.id,
                    created_by=principal.user_id,
                    created_at=moment,
                )
            )
    session.flush()
    detail = {"capacities": new, "still_needed": missing, "approved": not missing}
    _record(session, audit, principal, "data_request.approve", row, detail)
    return row


def locks_of(session: Session, request_ids: list[int]) -> dict[int, list[RecordingLock]]:
    """The evidence locks still held for each request (by camera, then stream)."""
    found: dict[int, list[RecordingLock]] = {i: [] for i in request_ids}
    if request_ids:
        query = (
            select(RecordingLock)
            .where(RecordingLock.request_id.in_(request_ids))
            .order_by(RecordingLock.camera_id, RecordingLock.id)
        )
        for lk in session.scalars(query):
            found[lk.request_id].append(lk)  # type: ignore[index]
    return found


def release_locks(
    session: Session,
    audit: AuditTrail,
    principal: Principal,
    policy: EvidencePolicy,
    request_id: int,
    reason: str,
) -> DataRequest:
    """Give the request's locked footage back to retention: the locks on the cameras of the
    agencies the caller may release for (`vms.access.releasable_agencies`). The export is not
    touched. One `data_request.release` record per camera released, in the same unit of work."""
    row = _load(session, principal, policy, request_id, RequestAction.RELEASE, lock=True)
    agencies = releasable_agencies(principal, row, policy)
    mine = {c.camera_id for c in row.cameras if c.agency_id in agencies}
    locks = [lk for lk in locks_of(session, [row.id])[row.id] if lk.camera_id in mine]
    if not locks:
        raise Conflict(f"data request {request_id} holds no evidence lock you may release")
    released = {lk.camera_id for lk in locks}
    for lk in locks:
        session.delete(lk)
    session.flush()
    detail = {
        "reason": reason,
        "stream": row.stream,
        "start": as_utc(row.start).isoformat(),
        "end": as_utc(row.end).isoformat(),
    }
    _record(session, audit, principal, "data_request.release", row, detail, cameras=released)
    return row


def reject(
    session: Session,
    audit: AuditTrail,
    principal: Principal,
    policy: EvidencePolicy,
    request_id: int,
    reason: str,
    now: datetime | None = None,
) -> DataRequest:
    """Reject: one rejection by anyone who may decide ends the request."""
    moment = now or datetime.now(UTC)
    row = _load_for_decision(session, principal, policy, request_id)
    row.state = "rejected"
    row.decided_at = moment
    row.rejected_by = principal.user_id
    row.reject_reason = reason
    session.flush()
    _record(session, audit, principal, "data_request.reject", row, {"reason": reason})
    return row


def record_download(
    session: Session,
    audit: AuditTrail,
    principal: Principal,
    policy: EvidencePolicy,
    request_id: int,
    now: datetime | None = None,
) -> DataRequest:
    """Check the requester may download now and record it; raise what the download answers."""
    moment = now or datetime.now(UTC)
    row = _load(session, principal, policy, request_id, RequestAction.DOWNLOAD)
    state = effective_state(row, moment)
    if state == "expired":
        raise Gone(f"the export of data request {request_id} expired at {row.expires_at}")
    if state in ("pending", "rejected"):
        raise Conflict(f"data request {request_id} is {state}; nothing to download")
    if row.export_state == "failed":
        raise Unavailable(f"the export of data request {request_id} failed: {row.export_error}")
    if state != "exported" or row.export_file is None:
        raise Conflict(
            f"the export of data request {request_id} is being produced "
            f"({row.export_state}); try again shortly",
            headers={"Retry-After": "5"},
        )
    _record(
        session,
        audit,
        principal,
        "data_request.download",
        row,
        {"sha256": row.export_sha256, "bytes": row.export_bytes},
    )
    return row


def check_range(spec: RequestSpec, max_range_s: int, max_cameras: int) -> None:
    """Refuse ranges and camera lists the server will not export."""
    if (spec.end - spec.start).total_seconds() > max_range_s:
        raise InvalidInput(f"end: the range may span at most {max_range_s} seconds")
    if len(spec.camera_ids) > max_cameras:
        raise InvalidInput(f"cameras: at most {max_cameras} cameras in one request")
