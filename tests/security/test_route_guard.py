"""Every registered route checks access: called without credentials it answers 401, and it
depends (directly or through another dependency) on `current_principal` (or its brief form).
Bad tokens, forged cross-origin requests and foreign agencies' objects are refused."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from tests.fixtures_identity import World
from vms.api.deps import brief_principal, current_principal, metrics_reader

# Routes that are public on purpose: liveness/readiness for the orchestrator, sign-in itself,
# and the docs (/metrics is not: the scraper's token or a system administrator). Static files
# and the page at / are mounts/pages that carry no data.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/webui/config"),  # the site name for the sign-in page's title
    ("GET", "/"),
    ("GET", "/coverage"),  # the panel's page: no data, it asks the signed-in API
    ("GET", "/api/v1/docs"),  # the docs page (vms/api/routes/docs.py): no data of its own
    ("GET", "/emergency"),  # the governor's page: no data, it asks the signed-in API
    ("GET", "/evidence"),  # the data-use requests page: no data, it asks the signed-in API
    ("GET", "/admin"),  # the administration pages: no data, they ask the signed-in API
    ("GET", "/playback"),  # the recordings page: no data, it asks the signed-in API
    # CORS preflights: a browser never sends credentials with them; they answer what the
    # endpoint accepts and carry no data
    ("OPTIONS", "/api/v1/cameras/{camera_id}/whep"),
    ("OPTIONS", "/api/v1/whep/sessions/{session_id}"),
}
# Routes of other rooms not yet wired to sign-in (see docs/security.md); remove as they are.
PENDING: set[tuple[str, str]] = set()


def _routes(world: World) -> list[tuple[str, str, APIRoute]]:
    """Every (method, full path, route), included routers expanded."""
    out = []
    for ctx in iter_route_contexts(world.server.app.routes):
        if isinstance(ctx.route, APIRoute):
            for method in sorted(ctx.methods or ()):
                out.append((method, ctx.path, ctx.route))
    return out


# both resolve the caller with vms.api.deps.resolve_principal; the brief one in a unit of work
# of its own (WHEP, which then waits long without holding a database slot)
# (metrics_reader: the scraper's token, else the brief principal)
SIGN_IN_CHECKS = (current_principal, brief_principal, metrics_reader)


def _depends_on_principal(dep: Dependant) -> bool:
    return dep.call in SIGN_IN_CHECKS or any(_depends_on_principal(d) for d in dep.dependencies)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_requires_sign_in(sqlite_world: World) -> None:
    routes = _routes(sqlite_world)
    assert len(routes) > 30
    client = sqlite_world.anonymous()
    unguarded = []
    for method, path, route in routes:
        key = (method, path)
        if key in PUBLIC or key in PENDING:
            continue
        if not _depends_on_principal(route.dependant):
            unguarded.append(f"{method} {path}: no current_principal dependency")
            continue
        r = client.request(method, _concrete(path))
        if r.status_code != 401:
            unguarded.append(f"{method} {path}: {r.status_code} without credentials")
        elif r.headers.get("www-authenticate") != "Bearer":
            unguarded.append(f"{method} {path}: 401 without WWW-Authenticate")
    assert unguarded == []
    # the exception lists name only routes that exist, so they cannot silently go stale
    existing = {(m, p) for m, p, _ in routes}
    assert (
        PUBLIC
        - {
            ("GET", "/"),
            ("GET", "/coverage"),
            ("GET", "/emergency"),
            ("GET", "/evidence"),
            ("GET", "/admin"),
        }
    ) <= existing and PENDING <= existing


@pytest.mark.parametrize(
    "token",
    [
        "constructor",
        "__proto__",
        "__class__",
        "",
        " ",
        "null",
        "vmss_",
        "vmst_x",
        "a" * 5000,
        "vmss_../../x",
    ],
)
def test_junk_tokens_are_401(sqlite_world: World, token: str) -> None:
    client = sqlite_world.anonymous()
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}".strip()})
    assert r.status_code == 401
    jar = sqlite_world.anonymous()
    jar.cookies.set("vms_session", token.strip() or '""')
    assert jar.get("/api/v1/auth/me").status_code == 401


def test_session_cookie_is_not_a_bearer_token_and_vice_versa(sqlite_world: World) -> None:
    w = sqlite_world
    browser = w.browser_as("operator", "muni")
    cookie = browser.cookies["vms_session"]
    r = w.anonymous().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {cookie}"})
    assert r.status_code == 401
    bearer = w.token("operator", "muni")
    jar = w.anonymous()
    jar.cookies.set("vms_session", bearer)
    assert jar.get("/api/v1/auth/me").status_code == 401


def test_csrf_cross_origin_posts_are_refused(sqlite_world: World) -> None:
    w = sqlite_world
    browser = w.browser_as("agency_admin", "muni")
    browser.headers.pop("Origin", None)  # the test client adds our own Origin by default
    body = json.dumps(
        {
            "owner_agency_id": w.agencies["muni"],
            "grantee_agency_id": w.agencies["police"],
            "level": "live",
        }
    )
    # a foreign page's form/fetch: text/plain body, the cookie rides along, Origin is foreign
    r = browser.post(
        "/api/v1/grants",
        content=body,
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    # no Origin, foreign Referer
    r = browser.post(
        "/api/v1/grants",
        content=body,
        headers={"Content-Type": "application/json", "Referer": "https://evil.example/page"},
    )
    assert r.status_code == 403
    # neither Origin nor Referer nor the CSRF header
    r = browser.post("/api/v1/grants", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 403
    # a foreign Origin is refused even with the header
    r = browser.post(
        "/api/v1/grants",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-VMS-CSRF": "1",
            "Origin": "https://evil.example",
        },
    )
    assert r.status_code == 403
    # our own page
    r = browser.post(
        "/api/v1/grants",
        content=body,
        headers={"Content-Type": "application/json", "Origin": w.origin},
    )
    assert r.status_code == 201, r.text
    # sign-in itself cannot be forged from another site either
    r = w.anonymous().post(
        "/api/v1/auth/login",
        json={"username": "x", "password": "y"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_trusted_origins_are_allowed(sqlite_url: str) -> None:
    from tests.fixtures_identity import build_world

    gen = build_world(sqlite_url)
    w = next(gen)
    try:
        w.services.settings.server.trusted_origins.append("https://wall.example")
        browser = w.browser_as("operator", "police")
        r = browser.post("/api/v1/coverage/heartbeat", headers={"Origin": "https://wall.example"})
        assert r.status_code == 204
        r = browser.post("/api/v1/coverage/heartbeat", headers={"Origin": "https://x.example"})
        assert r.status_code == 403
    finally:
        gen.close()


ID_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/cameras/{camera}", None),
    ("PATCH", "/api/v1/cameras/{camera}", {"name_en": "x"}),
    ("DELETE", "/api/v1/cameras/{camera}", None),
    ("GET", "/api/v1/cameras/{camera}/status", None),
    ("GET", "/api/v1/cameras/{camera}/snapshot.jpg", None),
    ("GET", "/api/v1/users/{user}", None),
    ("PATCH", "/api/v1/users/{user}", {"display_name": "x"}),
    ("DELETE", "/api/v1/users/{user}", None),
    ("GET", "/api/v1/grants/{grant}", None),
    ("DELETE", "/api/v1/grants/{grant}", None),
    ("PUT", "/api/v1/coverage/requirements/{agency}", {"required": 1}),
    ("GET", "/api/v1/data-requests/{data_request}", None),
    ("POST", "/api/v1/data-requests/{data_request}/approve", None),
    ("POST", "/api/v1/data-requests/{data_request}/reject", {"reason": "x"}),
    ("POST", "/api/v1/data-requests/{data_request}/release", {"reason": "x"}),
    ("GET", "/api/v1/data-requests/{data_request}/export", None),
]


def test_foreign_objects_answer_like_missing_ones(world: World) -> None:
    """Agency A's administrator asks for agency B's objects and for ids that do not exist:
    the status and the body must be the same, except for the id itself."""
    w = world
    a = w.agencies
    owner = w.client_as("agency_admin", "police")
    grant = owner.post(
        "/api/v1/grants",
        json={"owner_agency_id": a["police"], "grantee_agency_id": a["police2"], "level": "live"},
    ).json()
    foreign_user = owner.get("/api/v1/auth/me").json()["user_id"]
    from tests.api.test_data_requests import body as request_body

    data_request = w.client_as("desk_officer", "police").post(
        "/api/v1/data-requests", json=request_body([w.cameras["police1"]])
    )
    assert data_request.status_code == 201, data_request.text
    foreign = {
        "camera": w.cameras["police1"],
        "user": foreign_user,
        "grant": grant["id"],
        "agency": a["police"],
        "data_request": data_request.json()["id"],
    }
    missing = dict.fromkeys(foreign, 987654)
    asker = w.client_as("agency_admin", "muni")
    for method, template, body in ID_ROUTES:
        f_path = template.format(**foreign)
        m_path = template.format(**missing)
        rf = asker.request(method, f_path, json=body)
        rm = asker.request(method, m_path, json=body)
        assert rf.status_code == rm.status_code == 404, (method, template, rf.text, rm.text)
        used = re.search(r"\{(\w+)\}", template)
        assert used is not None
        f_body = rf.text.replace(str(foreign[used.group(1)]), "ID")
        m_body = rm.text.replace("987654", "ID")
        assert f_body == m_body, (method, template)
    # the foreign camera is also absent from listings
    listed = asker.get("/api/v1/cameras").json()
    assert w.cameras["police1"] not in [c["id"] for c in listed["items"]]
    assert listed["total"] == 2
