"""Sign-in for the browser (session cookie), OAuth2 bearer tokens and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from vms.api.deps import SESSION_COOKIE, CurrentPrincipal, ServicesDep, SessionDep, client_of
from vms.audit import AuditEntry
from vms.auth import api_tokens
from vms.auth.csrf import check_same_origin
from vms.auth.principal import Principal
from vms.db.models.identity import ApiToken, User
from vms.db.models.registry import Agency
from vms.inputs import InputModel
from vms.services import Services

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class SignIn(InputModel):
    """A user name and password from the sign-in page."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    """Who is signed in, their agency and what they may do."""

    user_id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    agency_code: str
    agency_name: str
    permissions: list[str]
    via: str


class BearerToken(BaseModel):
    """The OAuth2 token response."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class NewApiToken(InputModel):
    """An integration token to create: a name, its permissions and lifetime in days."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=20)
    days: int = Field(90, ge=1)


class ApiTokenOut(BaseModel):
    """An API token as listed (never its secret)."""

    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    """The new token with its secret, shown this once."""

    token: str


def _me(session: SessionDep, principal: Principal) -> Me:
    agency = session.get(Agency, principal.agency_id)
    return Me(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        agency_id=principal.agency_id,
        agency_code=agency.code if agency else "",
        agency_name=(agency.name_en or agency.name_th or agency.code) if agency else "",
        permissions=sorted(principal.permissions),
        via=principal.via,
    )


BUSY: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "too many wrong passwords from this address for this account (or from "
        "this address), or too many sign-ins at once; Retry-After says when to retry"
    }
}


def _me_now(services: Services, user: User, client: str | None) -> Me:
    with services.db.session() as session:
        principal = services.identity.auth.principal_for(session, user, "session", None, client)
        return _me(session, principal)


@router.post("/login", responses={401: {"description": "wrong user name or password"}, **BUSY})
async def login(body: SignIn, request: Request, response: Response, services: ServicesDep) -> Me:
    """Check the password and set the HttpOnly, SameSite=Strict session cookie.

    The password is checked on the password pool (never the threads other requests use)."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    check_same_origin("POST", request.headers, own, services.settings.server.trusted_origins)
    client = client_of(request, services)
    auth = services.identity.auth
    await run_in_threadpool(auth.precheck, body.username, client)
    issued = await services.identity.hashing.run(
        auth.sign_in, body.username, body.password, "session", client
    )
    config = services.settings.auth
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=config.session_ttl_s,
        path="/",
        secure=config.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    async with services.db.slot():
        return await run_in_threadpool(_me_now, services, issued.user, client)


@router.post("/token", responses={401: {"description": "wrong user name or password"}, **BUSY})
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    services: ServicesDep,
) -> BearerToken:
    """OAuth2 password flow for API clients: a bearer token that expires."""
    client = client_of(request, services)
    auth = services.identity.auth
    await run_in_threadpool(auth.precheck, form.username, client)
    issued = await services.identity.hashing.run(
        auth.sign_in, form.username, form.password, "bearer", client
    )
    expires_in = int((issued.expires_at - datetime.now(UTC)).total_seconds())
    return BearerToken(access_token=issued.secret, expires_in=expires_in)


@router.post("/logout", status_code=204)
def logout(principal: CurrentPrincipal, services: ServicesDep, session: SessionDep) -> Response:
    """End this session (or bearer token) now and clear the cookie."""
    services.identity.auth.sign_out(session, principal)
    session.commit()
    services.events.publish("access.changed", {"user_id": principal.user_id})  # views end
    services.identity.audit.append(AuditEntry.by(principal, "auth.sign_out"))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def me(principal: CurrentPrincipal, session: SessionDep) -> Me:
    """Who is signed in (the wall shows it in its header)."""
    return _me(session, principal)


def _token_out(token: ApiToken) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.id,
        name=token.name,
        scopes=list(token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )


@router.get("/api-tokens")
def list_api_tokens(principal: CurrentPrincipal, session: SessionDep) -> list[ApiTokenOut]:
    """The caller's own integration tokens."""
    return [_token_out(t) for t in api_tokens.list_tokens(session, principal)]


@router.post(
    "/api-tokens",
    status_code=201,
    responses={403: {"description": "scope beyond the role, or no recent sign-in"}},
)
def create_api_token(
    body: NewApiToken, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> ApiTokenCreated:
    """A scoped, expiring token for an integration; the secret is returned only now.
    Needs a sign-in with the password within `auth.recent_sign_in_s` (default 10 min)."""
    row, secret = api_tokens.create_token(
        session,
        principal,
        body.name,
        body.scopes,
        body.days,
        services.settings.auth.api_token_max_days,
        services.identity.auth.signed_in_at(session, principal),
        services.settings.auth.recent_sign_in_s,
    )
    session.commit()
    services.identity.audit.append(
        AuditEntry.by(principal, "api_token.create", detail={"token_id": row.id, "name": row.name})
    )
    return ApiTokenCreated(**_token_out(row).model_dump(), token=secret)


@router.delete("/api-tokens/{token_id}", status_code=204)
def revoke_api_token(
    token_id: int, principal: CurrentPrincipal, services: ServicesDep, session: SessionDep
) -> Response:
    """Revoke a token now; requests with it fail from the next one on."""
    row = api_tokens.revoke_token(session, principal, token_id)
    session.commit()
    services.events.publish("access.changed", {"user_id": row.user_id})  # views end
    services.identity.audit.append(
        AuditEntry.by(principal, "api_token.revoke", detail={"token_id": row.id})
    )
    return Response(status_code=204)
