"""Issue 13 item 2, identity squatting: an agency's code and Thai and English names name it
alone (case, white space and Thai forms folded by `search_key`), in the registry, in the
database and in imports; an import never moves a camera between agencies unless asked."""

from __future__ import annotations

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from tests.api.conftest import ClientAs
from vms.db.engine import Database
from vms.db.migrate import alembic_config, upgrade
from vms.db.models.registry import Agency, AgencyKey, Camera

PATONG = {"code": "PKT-POL-PATONG", "kind": "police_station"}
# "ตำรวจ" with SARA AM typed as NIKHAHIT + SARA AA, as many keyboards do
PATONG_TH = "สถานีตำรวจภูธรป่าตอง"
PATONG_TH_DECOMPOSED = PATONG_TH.replace("\u0e33", "\u0e4d\u0e32")


def _agency(client: TestClient, **body: str) -> dict:
    r = client.post("/api/v1/agencies", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _import(client: TestClient, csv: str, **form: str) -> dict:
    r = client.post(
        "/api/v1/cameras/import",
        files={"file": ("c.csv", csv.encode(), "text/csv")},
        data=form,
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_en", "  patong   POLICE "),
        ("name_th", PATONG_TH_DECOMPOSED),
        ("name_th", "สถานีตำรวจภูธร\u200bป่าตอง"),  # a zero-width space in the middle
        ("name_en", "pkt-pol-patong"),  # another agency's code as a name
        ("code", "pkt-pol-PATONG"),  # another agency's code in other case
    ],
)
def test_a_name_or_code_names_one_agency(api_client: TestClient, field: str, value: str) -> None:
    patong = _agency(api_client, **PATONG, name_th=PATONG_TH, name_en="Patong Police")
    squatter = _agency(api_client, code="PKT-MUNI-X", kind="municipality", name_en="X town")
    body = {"code": "PKT-NEW", "kind": "marine", "name_en": "New", field: value}
    r = api_client.post("/api/v1/agencies", json=body)
    assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith(f"{field}: ")
    assert "PKT-POL-PATONG" in r.json()["detail"]
    # renaming (system administrator) is refused the same way and changes nothing
    r = api_client.patch(f"/api/v1/agencies/{squatter['id']}", json={field: value})
    assert r.status_code == 409, r.text
    after = api_client.get(f"/api/v1/agencies/{squatter['id']}").json()
    assert (after["code"], after["name_en"], after["name_th"]) == ("PKT-MUNI-X", "X town", None)
    # an agency may keep (or re-send) its own names
    r = api_client.patch(f"/api/v1/agencies/{patong['id']}", json={"name_en": "PATONG police"})
    assert r.status_code == 200, r.text


def test_a_code_may_not_be_another_agencys_name(api_client: TestClient) -> None:
    _agency(api_client, code="PKT-MUNI-KATHU", kind="municipality", name_en="Kathu")
    r = api_client.post(
        "/api/v1/agencies", json={"code": "KATHU", "kind": "marine", "name_en": "K"}
    )
    assert r.status_code == 409 and r.json()["detail"].startswith("code: "), r.text


def test_the_database_refuses_a_second_agency_of_the_same_name(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine)
        with db.session() as s:
            s.add(Agency(code="A-1", kind="marine", name_en="Harbour Office"))
        with pytest.raises(IntegrityError), db.session() as s:
            s.add(Agency(code="A-2", kind="marine", name_en="harbour  office"))
        with db.session() as s:  # and renaming to it, around the registry
            other = Agency(code="A-3", kind="marine", name_en="Pier")
            s.add(other)
        with pytest.raises(IntegrityError), db.session() as s:
            row = s.scalars(select(Agency).where(Agency.code == "A-3")).one()
            row.name_th = "HARBOUR OFFICE"
        with db.session() as s:
            keys = {k.key: k.agency_id for k in s.scalars(select(AgencyKey))}
            a1 = s.scalars(select(Agency.id).where(Agency.code == "A-1")).one()
            assert keys["harbour office"] == a1 and "a-2" not in keys
    finally:
        db.dispose()


def test_migration_resolves_existing_duplicates(db_url: str) -> None:
    """Data from before 0004: the lowest id keeps a name, later ones are marked, codes stay."""
    db = Database(db_url)
    try:
        cfg = alembic_config()
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_registry")
            conn.execute(
                insert(Agency.__table__),
                [
                    {"id": 1, "code": "PKT-POL-PATONG", "kind": "police_station",
                     "name_th": PATONG_TH, "name_en": "Patong Police", "state": "active"},
                    {"id": 2, "code": "PKT-MUNI-X", "kind": "municipality",
                     "name_th": PATONG_TH_DECOMPOSED, "name_en": "patong police",
                     "state": "active"},
                    {"id": 3, "code": "PKT-Y", "kind": "marine", "name_th": None,
                     "name_en": "pkt-pol-patong", "state": "active"},
                ],
            )  # fmt: skip
            conn.commit()
        upgrade(db.engine)
        with db.session() as s:
            rows = {a.id: (a.code, a.name_th, a.name_en) for a in s.scalars(select(Agency))}
            keys = {k.key: k.agency_id for k in s.scalars(select(AgencyKey))}
        assert rows[1] == ("PKT-POL-PATONG", PATONG_TH, "Patong Police")
        assert rows[2] == (
            "PKT-MUNI-X",
            f"{PATONG_TH_DECOMPOSED} [duplicate, agency 2]",
            "patong police [duplicate, agency 2]",
        )
        assert rows[3] == ("PKT-Y", None, "pkt-pol-patong [duplicate, agency 3]")
        assert keys["patong police"] == 1 and keys["pkt-pol-patong"] == 1
        assert keys["pkt-muni-x"] == 2
    finally:
        db.dispose()


HEADER = "code,name_en,agency,url\r\n"


def test_import_never_moves_a_camera_unasked(api_client: TestClient, client_as: ClientAs) -> None:
    """The squatting plan of the issue: a row naming the squatter for the victim's camera."""
    victim = _agency(api_client, **PATONG, name_en="Patong Police")
    squatter = _agency(api_client, code="PKT-MUNI-X", kind="municipality", name_en="X town")
    cam = api_client.post(
        "/api/v1/cameras",
        json={"code": "PAT-1", "name_en": "Pier", "agency_id": victim["id"],
              "main_url": "rtsp://127.0.0.1:1/a"},
    ).json()  # fmt: skip
    csv = HEADER + "PAT-1,Pier,X town,rtsp://127.0.0.1:1/a\r\n"
    for form in ({}, {"dry_run": "true"}):
        report = _import(api_client, csv, **form)
        assert report["applied"] is False
        assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "agency")]
        assert "needs the move_cameras option" in report["errors"][0]["message"]
    assert api_client.get(f"/api/v1/cameras/{cam['id']}").json()["agency_id"] == victim["id"]
    # asked for, by someone managing both agencies (the system administrator): moved
    report = _import(api_client, csv, move_cameras="true")
    assert report["applied"] is True, report["errors"]
    assert [c["field"] for c in report["changes"][0]["changes"]] == ["agency"]
    assert api_client.get(f"/api/v1/cameras/{cam['id']}").json()["agency_id"] == squatter["id"]


def test_import_refuses_an_ambiguous_agency(api_client: TestClient) -> None:
    _agency(api_client, **PATONG, name_en="Patong Police")
    services = api_client.app.state.services  # type: ignore[attr-defined]
    with services.db.session() as s:  # written around the ORM, as legacy data could be
        s.execute(
            insert(Agency.__table__).values(
                code="PKT-OLD", kind="marine", name_en="PATONG POLICE", state="active"
            )
        )
    csv = HEADER + "NEW-1,Pier,patong police,rtsp://127.0.0.1:1/a\r\n"
    report = _import(api_client, csv)
    assert report["applied"] is False
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "agency")]
    assert "names several agencies (PKT-POL-PATONG, PKT-OLD)" in report["errors"][0]["message"]
    with services.db.session() as s:
        assert s.scalars(select(Camera).where(Camera.code == "NEW-1")).first() is None
    # by code it is not ambiguous
    report = _import(api_client, HEADER + "NEW-1,Pier,PKT-OLD,rtsp://127.0.0.1:1/a\r\n")
    assert report["applied"] is True, report["errors"]


def test_import_refuses_a_new_agency_squatting_a_name(api_client: TestClient) -> None:
    _agency(api_client, **PATONG, name_en="Patong Police")
    csv = (
        "code,name_en,agency,agency_kind,agency_name_en,url\r\n"
        "NEW-1,Pier,PKT-FAKE,marine,Patong  Police,rtsp://127.0.0.1:1/a\r\n"
        "NEW-2,Pier,PKT-FAKE2,marine,Fresh name,rtsp://127.0.0.1:1/b\r\n"
        "NEW-3,Pier,PKT-FAKE3,marine,FRESH NAME,rtsp://127.0.0.1:1/c\r\n"
    )
    report = _import(api_client, csv)
    assert report["applied"] is False
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (2, "agency_name_en"),
        (4, "agency_name_en"),
    ]
    assert "already names agency PKT-POL-PATONG" in report["errors"][0]["message"]
    assert "already names agency PKT-FAKE2" in report["errors"][1]["message"]
