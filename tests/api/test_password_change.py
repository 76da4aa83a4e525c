"""Credentials do not outlive a password change: changing one's own password needs the
current one (an administrator's reset does not), ends the user's other sessions and revokes
their API tokens; minting an API token needs a recent sign-in. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from tests.fixtures_identity import PASSWORD, World
from vms.db.models.identity import AuthSession

NEW_PASSWORD = "a-brand-new-passphrase"


def _mint(client: httpx.Client, name: str = "nvr") -> httpx.Response:
    return client.post(
        "/api/v1/auth/api-tokens", json={"name": name, "scopes": ["view_live"], "days": 30}
    )


def test_own_password_change_needs_the_current_one(world: World) -> None:
    me = world.client_as("operator", "muni")
    user_id = me.get("/api/v1/auth/me").json()["user_id"]
    r = me.patch(f"/api/v1/users/{user_id}", json={"password": NEW_PASSWORD})
    assert r.status_code == 422 and "current_password" in r.json()["detail"]
    r = me.patch(
        f"/api/v1/users/{user_id}",
        json={"password": NEW_PASSWORD, "current_password": "not-my-password"},
    )
    assert r.status_code == 403
    assert me.get("/api/v1/auth/me").status_code == 200  # nothing changed, still signed in
    r = me.patch(
        f"/api/v1/users/{user_id}", json={"password": NEW_PASSWORD, "current_password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    name = me.get("/api/v1/auth/me").json()["username"]
    r = world.client.post("/api/v1/auth/token", data={"username": name, "password": NEW_PASSWORD})
    assert r.status_code == 200


def test_a_change_ends_other_sessions_and_revokes_api_tokens(world: World) -> None:
    here = world.client_as("operator", "muni")
    elsewhere = world.client_as("operator", "muni")  # the same user on another machine
    browser = world.browser_as("operator", "muni")
    r = _mint(here)
    assert r.status_code == 201, r.text
    integration = world.anonymous()
    integration.headers["Authorization"] = f"Bearer {r.json()['token']}"
    assert integration.get("/api/v1/auth/me").status_code == 200
    user_id = here.get("/api/v1/auth/me").json()["user_id"]
    r = here.patch(
        f"/api/v1/users/{user_id}", json={"password": NEW_PASSWORD, "current_password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    assert here.get("/api/v1/auth/me").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert integration.get("/api/v1/auth/me").status_code == 401
    assert [t["revoked_at"] is not None for t in here.get("/api/v1/auth/api-tokens").json()] == [
        True
    ]


def test_an_administrator_resets_without_the_current_password(world: World) -> None:
    admin = world.client_as("agency_admin", "muni")
    victim = world.client_as("operator", "muni")
    user_id = victim.get("/api/v1/auth/me").json()["user_id"]
    r = admin.patch(f"/api/v1/users/{user_id}", json={"password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert victim.get("/api/v1/auth/me").status_code == 401  # every session of theirs ended
    assert admin.get("/api/v1/auth/me").status_code == 200


def test_minting_an_api_token_needs_a_recent_sign_in(world: World) -> None:
    stolen = world.browser_as("agency_admin", "muni")  # a cookie that is an hour old
    window = world.services.settings.auth.recent_sign_in_s
    with world.services.db.session() as s:
        s.execute(
            update(AuthSession).values(
                created_at=datetime.now(UTC) - timedelta(seconds=window + 60)
            )
        )
    assert stolen.get("/api/v1/auth/me").status_code == 200  # still a valid session ...
    r = _mint(stolen)
    assert r.status_code == 403
    assert r.json()["details"]["reason"] == "sign_in_not_recent"
    fresh = world.browser_as("agency_admin", "muni")  # ... signing in again is enough
    assert _mint(fresh).status_code == 201
