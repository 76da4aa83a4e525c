"""Sign-in over the API: cookie sessions, OAuth2 bearer tokens, API tokens, sign-out,
revocation, on SQLite and PostgreSQL (throttling: test_signin_throttle.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tests.fixtures_identity import PASSWORD, World
from vms.db.models.identity import ApiToken, AuditRecord, AuthSession


def _audit(world: World, action: str) -> list[AuditRecord]:
    with world.services.db.session() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_cookie_sign_in_me_and_sign_out(world: World) -> None:
    c = world.anonymous()
    name = world.user("desk_officer", "police")
    r = c.post(
        "/api/v1/auth/login",
        json={"username": name, "password": PASSWORD},
        headers={"Origin": world.origin},
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    me = c.get("/api/v1/auth/me").json()
    assert me["username"] == name and me["role"] == "desk_officer"
    assert me["agency_code"] == "PKT-POL1" and "keep_watch" in me["permissions"]
    assert c.post("/api/v1/auth/logout", headers={"X-VMS-CSRF": "1"}).status_code == 204
    assert c.get("/api/v1/auth/me").status_code == 401
    assert [a.outcome for a in _audit(world, "auth.sign_in")] == ["ok"]
    assert len(_audit(world, "auth.sign_out")) == 1


def test_cookie_is_secure_unless_configured_off(sqlite_url: str) -> None:
    from tests.fixtures_identity import build_world

    gen = build_world(sqlite_url, cookie_secure=True)
    w = next(gen)
    try:
        r = w.client.post(
            "/api/v1/auth/login",
            json={"username": w.user("operator", "muni"), "password": PASSWORD},
            headers={"X-VMS-CSRF": "1"},
        )
        assert r.status_code == 200
        assert "secure" in r.headers["set-cookie"].lower()
    finally:
        gen.close()


def test_wrong_password_is_401_and_audited(world: World) -> None:
    name = world.user("operator", "muni")
    r = world.client.post("/api/v1/auth/token", data={"username": name, "password": "nope-nope"})
    assert r.status_code == 401
    assert r.json()["error"] == "not_authenticated"
    r = world.client.post("/api/v1/auth/token", data={"username": "ghost", "password": "x" * 12})
    assert r.status_code == 401
    failed = _audit(world, "auth.sign_in")
    # an unknown name is recorded as unknown (it may be a password typed in the wrong field)
    assert [(a.username, a.outcome) for a in failed] == [(name, "failed"), ("(unknown)", "failed")]
    assert "ghost" not in str([a.detail for a in failed])
    assert "nope-nope" not in str([a.detail for a in failed])


def test_bearer_token_works_and_sign_out_revokes_it(world: World) -> None:
    c = world.client_as("agency_admin", "muni")
    assert c.get("/api/v1/auth/me").json()["via"] == "bearer"
    assert c.post("/api/v1/auth/logout").status_code == 204
    assert c.get("/api/v1/auth/me").status_code == 401


def test_disabling_a_user_ends_their_sessions_now(world: World) -> None:
    admin = world.client_as("agency_admin", "muni")
    victim = world.client_as("operator", "muni")
    me = victim.get("/api/v1/auth/me").json()
    assert admin.delete(f"/api/v1/users/{me['user_id']}").status_code == 204
    assert victim.get("/api/v1/auth/me").status_code == 401
    r = world.client.post(
        "/api/v1/auth/token", data={"username": me["username"], "password": PASSWORD}
    )
    assert r.status_code == 401


def test_expired_session_is_refused(world: World) -> None:
    c = world.client_as("operator", "muni")
    with world.services.db.session() as s:
        s.execute(update(AuthSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert c.get("/api/v1/auth/me").status_code == 401


def test_api_token_scoped_expiring_revocable(world: World) -> None:
    admin = world.client_as("agency_admin", "muni")
    r = admin.post(
        "/api/v1/auth/api-tokens",
        json={"name": "nvr-bridge", "scopes": ["view_live"], "days": 30},
    )
    assert r.status_code == 201, r.text
    secret = r.json()["token"]
    with world.services.db.session() as s:
        stored = s.scalars(select(ApiToken)).one()
        assert stored.token_hash != secret and secret not in stored.token_hash
    integ = world.anonymous()
    integ.headers["Authorization"] = f"Bearer {secret}"
    me = integ.get("/api/v1/auth/me").json()
    assert me["via"] == "api_token" and me["permissions"] == ["view_live"]
    # the scope narrows the role: this token cannot manage users although its owner can
    assert integ.get("/api/v1/users").status_code == 403
    listed = admin.get("/api/v1/auth/api-tokens").json()
    assert [t["name"] for t in listed] == ["nvr-bridge"] and "token" not in listed[0]
    assert admin.delete(f"/api/v1/auth/api-tokens/{listed[0]['id']}").status_code == 204
    assert integ.get("/api/v1/auth/me").status_code == 401


def test_api_token_cannot_exceed_role(world: World) -> None:
    op = world.client_as("operator", "muni")
    r = op.post("/api/v1/auth/api-tokens", json={"name": "x", "scopes": ["manage_users"]})
    assert r.status_code == 403
    r = op.post("/api/v1/auth/api-tokens", json={"name": "x", "scopes": ["fly"]})
    assert r.status_code == 422
