"""Dependencies shared by routes: the running services, a database session, the caller."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from vms.access import require_global
from vms.auth.client_addr import client_address
from vms.auth.csrf import check_same_origin
from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.errors import NotAuthenticated
from vms.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    """The request's unit of work, under one of the database's request slots (waited for in the
    event loop, not on a worker thread); it commits, or rolls back, on a worker thread."""
    db = services.db
    async with db.slot():
        unit = db.session()
        session = unit.__enter__()  # no I/O until the first statement
        try:
            yield session
        except BaseException as exc:
            await run_in_threadpool(unit.__exit__, type(exc), exc, exc.__traceback__)
            raise
        await run_in_threadpool(unit.__exit__, None, None, None)


# scope="function": the unit of work commits (or fails) before the response is sent, so a
# client that reads right after a write sees it, and a failed commit is the request's error.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


SESSION_COOKIE = "vms_session"


def current_principal(request: Request, services: ServicesDep, session: SessionDep) -> Principal:
    """The signed-in caller: `Authorization: Bearer` (OAuth2 or API token) or the session
    cookie; cookie-authenticated unsafe requests must come from our own origin (CSRF)."""
    return resolve_principal(request, services, session)


async def brief_principal(request: Request, services: ServicesDep) -> Principal:
    """The caller, resolved in a unit of work that ends before the route goes on: for routes
    that then wait long (a WHEP offer negotiating) and must not hold a request slot meanwhile."""
    async with services.db.slot():
        return await run_in_threadpool(_resolve_in_own_session, request, services)


def _resolve_in_own_session(request: Request, services: Services) -> Principal:
    with services.db.session() as session:
        return resolve_principal(request, services, session)


def client_of(request: Request, services: Services) -> str | None:
    """The client's address: the peer, or what a configured trusted proxy forwarded."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers, services.trusted_proxies)


def resolve_principal(request: Request, services: Services, session: Session) -> Principal:
    """Who sent `request` (see `current_principal`); blocking (SQL)."""
    client = client_of(request, services)
    auth = services.identity.auth
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer":
            raise NotAuthenticated("use a Bearer token or sign in")
        return auth.resolve(session, secret.strip(), "bearer", client)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise NotAuthenticated("not signed in")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    check_same_origin(
        request.method, request.headers, own, services.settings.server.trusted_origins
    )
    return auth.resolve(session, cookie, "session", client)


async def metrics_reader(request: Request, services: ServicesDep) -> str:
    """Who may read /metrics: the scraper with `auth.metrics_token` as its bearer token, or a
    signed-in system administrator. Anyone else: 401 (no credentials) or 403."""
    token = services.settings.auth.metrics_token
    header = request.headers.get("authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return "metrics_token"
    principal = await brief_principal(request, services)
    require_global(principal, Permission.VIEW_METRICS)
    return principal.username


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
BriefPrincipal = Annotated[Principal, Depends(brief_principal)]
