"""Saved wall layouts over the real server: who sees what, who may change what, what is refused;
and the 0003_layouts migration on SQLite and PostgreSQL matching the model."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

import vms.db.models.layouts  # noqa: F401  (registers the table)
from tests.fixtures_server import LiveServer
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.db.base import Base
from vms.db.migrate import current_heads, upgrade
from vms.db.models.registry import Agency

PASSWORD = "layouts-test-password"
Who = Callable[[], dict[str, str]]


@pytest.fixture
def client(live_server: LiveServer) -> Any:
    with live_server.client() as c:
        yield c


@pytest.fixture
def who(live_server: LiveServer) -> Who:
    """Signs in a fresh operator: bearer headers plus `Owner` (their name, for asserts)."""

    def sign_in() -> dict[str, str]:
        name = f"op-{uuid.uuid4().hex[:8]}"
        with live_server.services.db.session() as session:
            agency = session.scalars(select(Agency).order_by(Agency.id)).first()
            assert agency is not None
            create_user(session, UserSpec(name, PASSWORD, agency.id, Role.OPERATOR), None)
        with live_server.client() as c:
            r = c.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}", "Owner": name}

    return sign_in


def _layout(name: str = "Old town", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "grid": "4",
        "tiles": [
            {"camera_id": 3},
            {"camera_id": "7"},
            {"tour": {"camera_ids": [1, 2, "5"], "interval_s": 15}},
            {},
        ],
    }
    body.update(extra)
    return body


def test_save_list_get_replace_delete(client: httpx.Client, who: Who) -> None:
    me = who()
    created = client.post("/api/v1/layouts", json=_layout(), headers=me)
    assert created.status_code == 201, created.text
    layout = created.json()
    assert layout["owner"] == me["Owner"] and layout["editable"] is True
    assert layout["tiles"][0] == {"camera_id": "3", "tour": None}
    assert layout["tiles"][2]["tour"] == {"camera_ids": ["1", "2", "5"], "interval_s": 15}

    listed = client.get("/api/v1/layouts", headers=me).json()
    assert [item["id"] for item in listed["items"] if item["owner"] == me["Owner"]] == [
        layout["id"]
    ]

    replaced = client.put(
        f"/api/v1/layouts/{layout['id']}",
        json=_layout("Old town night", grid="1+5", tiles=[{"camera_id": 9}]),
        headers=me,
    )
    assert replaced.status_code == 200, replaced.text
    again = client.get(f"/api/v1/layouts/{layout['id']}", headers=me).json()
    assert again["name"] == "Old town night" and again["grid"] == "1+5"
    assert again["tiles"] == [{"camera_id": "9", "tour": None}]

    assert client.delete(f"/api/v1/layouts/{layout['id']}", headers=me).status_code == 204
    gone = client.get(f"/api/v1/layouts/{layout['id']}", headers=me)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"


def test_private_layouts_are_hidden_and_shared_ones_read_only(
    client: httpx.Client, who: Who
) -> None:
    alice, bob = who(), who()
    private = client.post("/api/v1/layouts", json=_layout("Private"), headers=alice).json()
    shared = client.post(
        "/api/v1/layouts", json=_layout("Flood watch", shared=True), headers=alice
    ).json()

    seen_by_bob = {
        item["id"]: item for item in client.get("/api/v1/layouts", headers=bob).json()["items"]
    }
    assert private["id"] not in seen_by_bob
    assert seen_by_bob[shared["id"]]["editable"] is False
    assert client.get(f"/api/v1/layouts/{private['id']}", headers=bob).status_code == 404

    refused = client.put(f"/api/v1/layouts/{shared['id']}", json=_layout("Mine now"), headers=bob)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert client.delete(f"/api/v1/layouts/{shared['id']}", headers=bob).status_code == 403
    assert client.delete(f"/api/v1/layouts/{private['id']}", headers=bob).status_code == 404
    assert client.get(f"/api/v1/layouts/{shared['id']}", headers=alice).json()["name"] == (
        "Flood watch"
    )


def test_same_name_twice_is_a_conflict_but_not_across_owners(
    client: httpx.Client, who: Who
) -> None:
    alice, bob = who(), who()
    assert client.post("/api/v1/layouts", json=_layout("Patong"), headers=alice).status_code == 201
    dup = client.post("/api/v1/layouts", json=_layout("Patong"), headers=alice)
    assert dup.status_code == 409 and "Patong" in dup.json()["detail"]
    assert client.post("/api/v1/layouts", json=_layout("Patong"), headers=bob).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_layout(grid="7"), "grid"),
        (_layout(grid="1", tiles=[{}, {}]), ""),
        (_layout(name="   "), "name"),
        (
            _layout(tiles=[{"tour": {"camera_ids": [1], "interval_s": 1}}]),
            "tiles.0.tour.interval_s",
        ),
        (_layout(tiles=[{"tour": {"camera_ids": []}}]), "tiles.0.tour.camera_ids"),
        (_layout(tiles=[{"camera_id": True}]), "tiles.0.camera_id"),
        (_layout(tiles=[{"camera_id": "x" * 65}]), "tiles.0.camera_id"),
        (_layout(colour="red"), "colour"),
    ],
)
def test_bad_layouts_are_422_naming_the_field(
    client: httpx.Client, who: Who, body: dict[str, Any], field: str
) -> None:
    resp = client.post("/api/v1/layouts", json=body, headers=who())
    assert resp.status_code == 422, resp.text
    assert field in [d["field"] for d in resp.json()["details"]]


def test_layouts_need_sign_in_and_an_owner_header_is_ignored(
    client: httpx.Client, who: Who
) -> None:
    assert client.get("/api/v1/layouts", headers={"X-VMS-Owner": "alice"}).status_code == 401
    me = who()
    mine = client.post(
        "/api/v1/layouts", json=_layout(), headers={**me, "X-VMS-Owner": "someone-else"}
    ).json()
    assert mine["owner"] == me["Owner"]


def test_layouts_migration_matches_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        assert "0003_layouts" in current_heads(engine)
        assert "layouts" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "layouts" in repr(d)] == []
    finally:
        engine.dispose()
