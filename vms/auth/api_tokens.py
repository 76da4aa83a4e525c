"""Long-lived API tokens for integrations: named, scoped, expiring, revocable.

The secret is shown once at creation; only its SHA-256 is kept. A token's scope can only
narrow its owner's role, never widen it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.auth.principal import Principal
from vms.auth.roles import Permission
from vms.auth.tokens import API_TOKEN_PREFIX, new_secret, secret_hash
from vms.db.models.identity import ApiToken
from vms.errors import Forbidden, InvalidInput, NotFound


def create_token(
    session: Session,
    principal: Principal,
    name: str,
    scopes: list[str],
    days: int,
    max_days: int,
    signed_in_at: datetime | None,
    recent_s: int,
) -> tuple[ApiToken, str]:
    """A new token for the principal's own user; returns the row and the secret (shown once).

    Needs a sign-in with the password at most `recent_s` ago: a stolen cookie or bearer token
    alone cannot mint a long-lived credential."""
    if principal.via == "api_token":
        raise Forbidden("an API token cannot create API tokens; sign in as a person")
    if signed_in_at is None or datetime.now(UTC) - signed_in_at > timedelta(seconds=recent_s):
        raise Forbidden(
            f"creating an API token needs a recent sign-in: sign in again with your password "
            f"(within {recent_s // 60 or 1} min) and retry",
            details={"reason": "sign_in_not_recent", "recent_sign_in_s": recent_s},
        )
    if not name.strip():
        raise InvalidInput("name: must not be empty")
    if not 1 <= days <= max_days:
        raise InvalidInput(f"days: must be between 1 and {max_days}")
    known = {p.value for p in Permission}
    wanted: set[Permission] = set()
    for scope in scopes:
        if scope not in known:
            raise InvalidInput(f"scopes: unknown permission {scope!r}")
        wanted.add(Permission(scope))
    if not wanted:
        raise InvalidInput("scopes: give at least one permission")
    beyond = wanted - principal.permissions
    if beyond:
        raise Forbidden(f"scopes beyond your role: {', '.join(sorted(beyond))}")
    secret = new_secret(API_TOKEN_PREFIX)
    token = ApiToken(
        token_hash=secret_hash(secret),
        name=name.strip()[:100],
        user_id=principal.user_id,
        scopes=sorted(wanted),
        expires_at=datetime.now(UTC) + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    """The principal's own tokens, revoked ones included (so they can see what ended)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
        )
    )


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """Revoke one of the principal's tokens now (a system administrator may revoke any)."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and not principal.is_global):
        raise NotFound(f"API token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
    session.flush()
    return token
