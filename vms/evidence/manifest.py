"""The export manifest: what was asked, by whom, who approved it, and every file's SHA-256.

Its exact bytes are what the site's key signs; they are written once and never re-serialised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vms.access import as_utc
from vms.db.models.evidence import DataRequest

FORMAT = "vms-evidence/1"


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One exported file as the manifest lists it."""

    name: str
    camera_id: int
    stream: str
    start: datetime
    end: datetime
    bytes: int
    sha256: str
    copy_of: str | None = None  # a re-encoded viewing copy of this original (its name)


def iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def request_part(row: DataRequest, requester: str, cameras: list[dict[str, Any]]) -> dict[str, Any]:
    """The request as the manifest records it (read in the exporter's session)."""
    return {
        "id": row.id,
        "case_number": row.case_number,
        "legal_basis": row.legal_basis,
        "reason": row.reason,
        "stream": row.stream,
        "start": iso(row.start),
        "end": iso(row.end),
        "requester": {"user_id": row.requester_id, "username": requester},
        "requester_agency_id": row.requester_agency_id,
        "requested_at": iso(row.created_at),
        "approver_rule": row.approver,
        "emergency_id": row.emergency_id,
        "cameras": cameras,
        "approvals": [
            {
                "capacity": a.capacity,
                "user_id": a.user_id,
                "username": a.username,
                "agency_id": a.agency_id,
                "at": iso(a.at),
            }
            for a in row.approvals
        ],
        "approved_at": iso(row.decided_at) if row.decided_at else None,
    }


def _file(f: ManifestFile) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f.name,
        "camera_id": f.camera_id,
        "stream": f.stream,
        "start": iso(f.start),
        "end": iso(f.end),
        "bytes": f.bytes,
        "sha256": f.sha256,
    }
    if f.copy_of is not None:  # not evidence itself: a watermarked copy for viewing
        entry |= {"viewing_copy_of": f.copy_of, "re_encoded": True}
    return entry


def build_manifest(
    site: str,
    created_at: datetime,
    request: dict[str, Any],
    files: list[ManifestFile],
    key_fingerprint: str,
) -> bytes:
    """The manifest's bytes (UTF-8 JSON, sorted keys)."""
    body = {
        "format": FORMAT,
        "site": site,
        "created_at": iso(created_at),
        "request": request,
        "files": [_file(f) for f in files],
        "signature": {
            "algorithm": "Ed25519",
            "file": "manifest.json.sig",
            "public_key_sha256": key_fingerprint,
        },
    }
    text = json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
