"""Agencies API: create, read, list, update, retire; conflicts and bad input are 4xx."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _create(client: TestClient, code: str, kind: str = "police_station", **names: str) -> dict:
    r = client.post(
        "/api/v1/agencies", json={"code": code, "kind": kind, **(names or {"name_en": code})}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_create_read_list_update(api_client: TestClient) -> None:
    a = _create(api_client, "PKT-POL-PATONG", name_th="สภ.ป่าตอง", name_en="Patong Police")
    _create(api_client, "PKT-MUNI-KATHU", "municipality", name_th="เทศบาลเมืองกะทู้")
    assert api_client.get(f"/api/v1/agencies/{a['id']}").json()["name_th"] == "สภ.ป่าตอง"
    page = api_client.get("/api/v1/agencies").json()
    assert page["total"] == 3  # with CC-ADMIN, the signed-in administrator's agency
    assert [x["code"] for x in page["items"]] == ["CC-ADMIN", "PKT-MUNI-KATHU", "PKT-POL-PATONG"]
    only = api_client.get("/api/v1/agencies", params={"kind": "municipality"}).json()
    assert [x["code"] for x in only["items"]] == ["PKT-MUNI-KATHU"]
    r = api_client.patch(f"/api/v1/agencies/{a['id']}", json={"name_en": "Patong Police Station"})
    assert r.status_code == 200
    assert r.json()["name_en"] == "Patong Police Station"
    assert r.json()["name_th"] == "สภ.ป่าตอง"


def test_duplicate_code_is_conflict(api_client: TestClient) -> None:
    _create(api_client, "PKT-HWY")
    r = api_client.post(
        "/api/v1/agencies", json={"code": "pkt-hwy", "kind": "highways", "name_en": "x"}
    )
    assert r.status_code == 409
    assert "already used" in r.json()["detail"]


def test_bad_input_is_422_naming_the_field(api_client: TestClient) -> None:
    r = api_client.post("/api/v1/agencies", json={"code": "X1", "kind": "bakery", "name_en": "x"})
    assert r.status_code == 422
    assert "kind" in r.json()["detail"]
    r = api_client.post("/api/v1/agencies", json={"code": "X1", "kind": "marine"})
    assert r.status_code == 422
    assert "name_th or name_en" in r.json()["detail"]
    r = api_client.post(
        "/api/v1/agencies", json={"code": "X 1", "kind": "marine", "name_en": "x", "extra": 1}
    )
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["details"]}
    assert {"code", "extra"} <= fields
    assert api_client.get("/api/v1/agencies/999").status_code == 404


def test_retire_refused_while_cameras_live(api_client: TestClient) -> None:
    a = _create(api_client, "PKT-MARINE", "marine")
    cam = api_client.post(
        "/api/v1/cameras",
        json={"code": "MR-1", "name_en": "Pier", "agency_id": a["id"], "main_url": "rtsp://h/1"},
    ).json()
    r = api_client.delete(f"/api/v1/agencies/{a['id']}")
    assert r.status_code == 409
    assert api_client.delete(f"/api/v1/cameras/{cam['id']}").json()["state"] == "retired"
    r = api_client.delete(f"/api/v1/agencies/{a['id']}")
    assert r.status_code == 200
    assert r.json()["state"] == "retired"
    # a retired agency takes no new cameras
    r = api_client.post(
        "/api/v1/cameras",
        json={"code": "MR-2", "name_en": "Pier", "agency_id": a["id"], "main_url": "rtsp://h/2"},
    )
    assert r.status_code == 409
