"""The receipt as data: who did what on the agency's cameras (people), the declaration's facts,
a printable document (CSV and PDF from it)."""

from __future__ import annotations

import csv
import io

import pypdf

from tests.fixtures_identity import World
from vms.audit import AuditEntry


def test_the_receipt_names_the_declaration_the_people_and_prints(world: World) -> None:
    w = world
    gov = w.client_as("governor", "gov")
    body = {"type": "natural_disaster", "reason": "Flood in Patong", "duration_s": 600,
            "scope": {"all": True}, "include_command_center": False}  # fmt: skip
    em = gov.post("/api/v1/emergency", json=body).json()
    police, cam = w.agencies["police"], w.cameras["police1"]
    trail = w.services.identity.audit
    marked = {"emergency_id": em["id"], "under_emergency": True}
    for action, user, agency, detail in (
        ("view.start", "governor.gov", w.agencies["gov"], marked),
        ("ptz.move", "governor.gov", w.agencies["gov"], marked),
        ("ptz.move", "governor.gov", w.agencies["gov"], marked),
        ("view.start", "desk-officer.police", police, {}),
        ("camera.update", "admin.police", police, {}),
    ):
        trail.append(AuditEntry(action, username=user, agency_id=agency, camera_id=cam,
                                camera_agency_id=police, detail=detail))  # fmt: skip
    url = f"/api/v1/emergency/{em['id']}/report"
    rec = gov.get(url, params={"agency_id": police}).json()
    assert (rec["emergency_type"], rec["reason"]) == ("natural_disaster", "Flood in Patong")
    assert rec["declared_by"] == w.user("governor", "gov")
    assert rec["agency_code"] == "PKT-POL1" and rec["agency_name"] == "Agency PKT-POL1"
    assert rec["counts"] == {"viewed": 2, "controlled": 2, "exported": 0, "other": 1}
    people = {p["username"]: (p["counts"], p["under_override"]) for p in rec["people"]}
    assert people["governor.gov"] == (
        {"viewed": 1, "controlled": 2, "exported": 0, "other": 0},
        3,
    )
    assert people["desk-officer.police"][1] == 0
    assert [p["username"] for p in rec["people"]] == [
        "governor.gov",
        "desk-officer.police",
        "admin.police",
    ]

    r = gov.get(url, params={"agency_id": police, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["kind"], x["username"], x["under_override"]) for x in rows] == [
        ("viewed", "governor.gov", "yes"),
        ("controlled", "governor.gov", "yes"),
        ("controlled", "governor.gov", "yes"),
        ("viewed", "desk-officer.police", "no"),
        ("other", "admin.police", "no"),
    ]
    r = gov.get(url, params={"agency_id": police, "format": "pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "governor.gov" in text and "desk-officer.police" in text and "controlled" in text
    r = gov.get(url, params={"agency_id": police, "format": "xml"})
    assert r.status_code == 422 and "format" in r.text
