"""Sign-in throttling on the real server: nobody can lock a real user out from elsewhere,
refusals say when to retry and are audited with why, X-Forwarded-For is believed only from a
configured trusted proxy, and a name that is not an account (a password typed in the wrong
field) is never recorded as typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.fixtures_identity import PASSWORD, World, build_world
from vms.auth.client_addr import parse_networks
from vms.db.models.identity import AuditRecord


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    """The world with waits long enough that a slow machine never outlasts one."""
    yield from build_world(sqlite_url, throttle_base_delay_s=120.0)


def _audit(world: World, action: str = "auth.sign_in") -> list[AuditRecord]:
    with world.services.db.session() as s:
        stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
        return list(s.scalars(stmt))


def _sign_in(world: World, name: str, password: str, via: str | None = None) -> int:
    headers = {"X-Forwarded-For": via} if via else {}
    r = world.client.post(
        "/api/v1/auth/token", data={"username": name, "password": password}, headers=headers
    )
    return r.status_code


def test_wrong_passwords_from_many_addresses_do_not_lock_out_the_user(
    sqlite_world: World,
) -> None:
    w = sqlite_world
    w.services.trusted_proxies = parse_networks(["127.0.0.1"])  # as if behind our proxy
    governor = w.user("governor", "gov")
    limit = w.services.settings.auth.max_failed_logins
    for i in range(5):
        for _ in range(limit + 1):
            assert _sign_in(w, governor, "wrong-guess", via=f"203.0.113.{i}") in (401, 429)
    # the governor, at an address that has not failed, signs in at once
    assert _sign_in(w, governor, PASSWORD, via="192.168.10.5") == 200
    # an attacking address is refused even with the right password, and told when to retry
    r = w.client.post(
        "/api/v1/auth/token",
        data={"username": governor, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.0"},
    )
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["details"]["reason"] == "user_address"
    throttled = [a for a in _audit(w) if a.outcome == "throttled"]
    assert throttled and throttled[-1].username == governor
    assert throttled[-1].client_addr == "203.0.113.0"
    assert throttled[-1].detail["reason"] == "user_address"
    assert throttled[-1].detail["retry_after_s"] >= 1


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(sqlite_world: World) -> None:
    w = sqlite_world
    name = w.user("operator", "muni")
    limit = w.services.settings.auth.max_failed_logins
    # no trusted proxies: a client cannot pick a fresh address per guess
    for i in range(limit):
        assert _sign_in(w, name, "wrong-guess", via=f"198.51.100.{i}") == 401
    assert _sign_in(w, name, "wrong-guess", via="198.51.100.200") == 429
    assert {a.client_addr for a in _audit(w)} == {"127.0.0.1"}
    # a trusted proxy's forwarded address is believed (the rightmost untrusted hop)
    w.services.trusted_proxies = parse_networks(["127.0.0.0/8"])
    assert _sign_in(w, name, PASSWORD, via="1.2.3.4, 192.0.2.7") == 200
    assert _audit(w)[-1].client_addr == "192.0.2.7"


def test_a_password_typed_as_the_user_name_is_not_recorded(sqlite_world: World) -> None:
    w = sqlite_world
    typed = "Correct-Horse-2026!"
    assert _sign_in(w, typed, "whatever-else") == 401
    for _ in range(w.services.settings.auth.max_failed_logins):
        _sign_in(w, typed, "whatever-else")
    assert _sign_in(w, typed, "whatever-else") == 429
    rows = _audit(w)
    assert {a.outcome for a in rows} == {"failed", "throttled"}
    for row in rows:
        assert row.username == "(unknown)"
        assert typed not in str(row.detail) and typed.lower() not in str(row.detail)
        assert len(row.detail["name_hmac"]) == 32
    assert len({a.detail["name_hmac"] for a in rows}) == 1  # the same name, one hash
