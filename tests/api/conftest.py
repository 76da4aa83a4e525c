"""The one place the API tests build their app and client, signed in.

`api_client` is a system administrator (of the command-center agency "CC-ADMIN", created
here); `client_as(role, agency_id)` signs in a fresh user of any role in any agency.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from vms.app import create_app
from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.config import load_settings
from vms.db.models.registry import Agency
from vms.services import Services

ADMIN_AGENCY = "CC-ADMIN"
TEST_PASSWORD = "api-test-password"
ClientAs = Callable[[str, int], TestClient]


def sign_in(client: TestClient, role: Role, agency_id: int) -> None:
    """Create a user of `role` in the agency and make `client` carry its bearer token."""
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    name = f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    with services.db.session() as session:
        create_user(session, UserSpec(name, TEST_PASSWORD, agency_id, role), None)
    r = client.post("/api/v1/auth/token", data={"username": name, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


@pytest.fixture
def api_client(db_url: str) -> Iterator[TestClient]:
    """A system administrator's client of a fresh app on SQLite or PostgreSQL (lifespan runs:
    migrations applied)."""
    app = create_app(
        load_settings(None, database={"url": db_url}, ingest={"camera_networks": ["127.0.0.0/8"]})
    )
    with TestClient(app) as client:
        services: Services = app.state.services
        with services.db.session() as session:
            admin_agency = Agency(code=ADMIN_AGENCY, kind="command_center", name_en="Admins")
            session.add(admin_agency)
            session.flush()
            admin_agency_id = admin_agency.id
        sign_in(client, Role.SYSTEM_ADMIN, admin_agency_id)
        yield client


@pytest.fixture
def client_as(api_client: TestClient) -> Iterator[ClientAs]:
    """A factory of clients of the same app signed in as `role` in `agency_id`."""
    opened: list[TestClient] = []

    def make(role: str, agency_id: int) -> TestClient:
        client = TestClient(api_client.app)
        opened.append(client)
        sign_in(client, Role(role), agency_id)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def agency_id(api_client: TestClient) -> int:
    """A municipality to own test cameras."""
    r = api_client.post(
        "/api/v1/agencies",
        json={"code": "PKT-PATONG", "kind": "municipality", "name_th": "เทศบาลเมืองป่าตอง"},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])
