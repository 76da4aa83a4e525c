"""Sign-in and credentials: passwords to sessions, secrets to principals, revocation.

Browser sessions and OAuth2 bearer tokens are rows in `auth_sessions`; integrations use
`api_tokens`. Each secret is looked up by its SHA-256, so deleting or revoking the row ends it
on the next request. Blocking (Argon2, database): call from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vms.access import as_utc
from vms.audit import AuditEntry, AuditTrail
from vms.auth.config import AuthConfig
from vms.auth.passwords import hash_password, needs_rehash, verify_password
from vms.auth.principal import Principal, Via, permissions_for
from vms.auth.roles import Permission, Role
from vms.auth.throttle import LoginThrottle, MemoryThrottleStore, Refusal, ThrottleStore
from vms.auth.tokens import API_TOKEN_PREFIX, SESSION_PREFIX, new_secret, secret_hash
from vms.db.engine import Database
from vms.db.models.identity import ApiToken, AuthSession, User
from vms.errors import NotAuthenticated, TooManyRequests
from vms.sharing import active_rules

MAX_SECRET_LENGTH = 200
UNKNOWN_USER = "(unknown)"


@dataclass(frozen=True, slots=True)
class Issued:
    """A freshly issued secret (shown once) and when it expires."""

    secret: str
    expires_at: datetime
    user: User


class Authenticator:
    """Checks passwords (with throttling and audit) and resolves secrets to principals."""

    def __init__(
        self,
        config: AuthConfig,
        db: Database,
        audit: AuditTrail,
        store: ThrottleStore | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.audit = audit
        self.throttle = LoginThrottle(
            store or MemoryThrottleStore(),
            free_per_pair=config.max_failed_logins,
            free_per_address=config.max_failed_per_address,
            base_delay_s=config.throttle_base_delay_s,
            max_delay_s=config.lockout_s,
        )

    def recorded_name(self, user: User | None, typed: str) -> tuple[str, dict[str, str]]:
        """The user name to audit and extra detail: a real account's name, or "(unknown)"
        with a keyed hash of what was typed (it may be a password typed in the wrong field)."""
        if user is not None:
            return user.username, {}
        return UNKNOWN_USER, {"name_hmac": self.throttle.name_digest(typed)}

    def precheck(self, username: str, client_addr: str | None) -> None:
        """Refuse (429, audited) a throttled attempt before it queues for the password pool,
        so throttled guessing never takes a slot there. Blocking (store, SQL when refused)."""
        refusal = self.throttle.check(username.strip(), client_addr)
        if refusal is not None:
            self._refuse(username.strip(), client_addr, refusal)

    def sign_in(self, username: str, password: str, kind: str, client_addr: str | None) -> Issued:
        """Check the password and open a session (`kind` "session") or bearer token.
        Blocking (Argon2 and SQL): run it on the password pool (`HashPool`)."""
        name = username.strip()
        refusal = self.throttle.check(name, client_addr)
        if refusal is not None:
            self._refuse(name, client_addr, refusal)
        with self.db.session() as session:
            user = session.scalars(select(User).where(User.username == name)).first()
            ok = verify_password(user.password_hash if user else None, password)
            if ok and user is not None and user.active:
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                ttl = (
                    self.config.session_ttl_s
                    if kind == "session"
                    else self.config.access_token_ttl_s
                )
                issued = self._open(session, user, kind, client_addr, ttl)
            else:
                issued = None
            recorded, extra = self.recorded_name(user, name)
        if issued is None:
            wait_s = self.throttle.failed(name, client_addr)
            detail: dict[str, object] = {**extra}
            if wait_s:
                detail["wait_s"] = wait_s
            self.audit.append(
                AuditEntry(
                    "auth.sign_in",
                    "failed",
                    user_id=user.id if user else None,
                    username=recorded,
                    agency_id=user.agency_id if user else None,
                    client_addr=client_addr,
                    detail=detail,
                )
            )
            raise NotAuthenticated("wrong user name or password")
        self.throttle.succeeded(name, client_addr)
        self.audit.append(
            AuditEntry(
                "auth.sign_in",
                user_id=issued.user.id,
                username=issued.user.username,
                agency_id=issued.user.agency_id,
                client_addr=client_addr,
                detail={"kind": kind},
            )
        )
        return issued

    def _refuse(self, name: str, client_addr: str | None, refusal: Refusal) -> NoReturn:
        """Audit a throttled attempt (what, from where, why) and answer 429 with Retry-After;
        the password is not checked, so waiting is the only way on."""
        with self.db.session() as session:
            user = session.scalars(select(User).where(User.username == name)).first()
            recorded, extra = self.recorded_name(user, name)
            user_id = user.id if user else None
            agency_id = user.agency_id if user else None
        why = {
            "user_address": "too many wrong passwords for this account from this address",
            "address": "too many wrong passwords from this address",
        }[refusal.scope]
        self.audit.append(
            AuditEntry(
                "auth.sign_in",
                "throttled",
                user_id=user_id,
                username=recorded,
                agency_id=agency_id,
                client_addr=client_addr,
                detail={
                    **extra,
                    "reason": refusal.scope,
                    "failures": refusal.failures,
                    "retry_after_s": refusal.retry_after_s,
                },
            )
        )
        raise TooManyRequests(
            f"{why}; try again in {refusal.retry_after_s} s",
            details={"reason": refusal.scope, "retry_after_s": refusal.retry_after_s},
            headers={"Retry-After": str(refusal.retry_after_s)},
        )

    def _open(
        self, session: Session, user: User, kind: str, client_addr: str | None, ttl_s: int
    ) -> Issued:
        secret = new_secret(SESSION_PREFIX)
        expires = datetime.now(UTC) + timedelta(seconds=ttl_s)
        session.add(
            AuthSession(
                token_hash=secret_hash(secret),
                kind=kind,
                user_id=user.id,
                client_addr=client_addr,
                expires_at=expires,
            )
        )
        session.flush()
        return Issued(secret, expires, user)

    def resolve(
        self, session: Session, secret: str, via: Via, client_addr: str | None
    ) -> Principal:
        """The principal behind a secret, or NotAuthenticated (unknown, expired, revoked)."""
        if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
            raise NotAuthenticated("not signed in")
        now = datetime.now(UTC)
        digest = secret_hash(secret)
        scope: frozenset[Permission] | None = None
        credential_id: int
        if secret.startswith(API_TOKEN_PREFIX):
            token = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
            if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= now:
                raise NotAuthenticated("not signed in")
            known = {p.value for p in Permission}
            scope = frozenset(Permission(s) for s in token.scopes if s in known)
            user_id, credential_id, via = token.user_id, token.id, "api_token"
        elif secret.startswith(SESSION_PREFIX):
            row = session.scalars(
                select(AuthSession).where(AuthSession.token_hash == digest)
            ).first()
            if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
                raise NotAuthenticated("not signed in")
            if (via == "session") != (row.kind == "session"):
                raise NotAuthenticated("not signed in")
            user_id, credential_id = row.user_id, row.id
        else:
            raise NotAuthenticated("not signed in")
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotAuthenticated("not signed in")
        return self.principal_for(session, user, via, credential_id, client_addr, scope)

    def refresh(self, session: Session, principal: Principal) -> Principal | None:
        """The principal as of now (role, grants), or None once its credential no longer
        holds: signed out, revoked, expired, or the user disabled. Running live views ask."""
        if principal.credential_id is None:
            return None
        now = datetime.now(UTC)
        scope: frozenset[Permission] | None = None
        if principal.via == "api_token":
            token = session.get(ApiToken, principal.credential_id)
            if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= now:
                return None
            known = {p.value for p in Permission}
            scope = frozenset(Permission(s) for s in token.scopes if s in known)
            user_id = token.user_id
        else:
            row = session.get(AuthSession, principal.credential_id)
            if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
                return None
            user_id = row.user_id
        user = session.get(User, user_id)
        if user is None or not user.active or user.id != principal.user_id:
            return None
        return self.principal_for(
            session, user, principal.via, principal.credential_id, principal.client_addr, scope
        )

    def principal_for(
        self,
        session: Session,
        user: User,
        via: Via,
        credential_id: int | None,
        client_addr: str | None,
        scope: frozenset[Permission] | None = None,
    ) -> Principal:
        """Build the principal of `user`, with the grants towards its agency loaded."""
        role = Role(user.role)
        return Principal(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            agency_id=user.agency_id,
            role=role,
            permissions=permissions_for(role, scope),
            via=via,
            credential_id=credential_id,
            client_addr=client_addr,
            grants=active_rules(session, user.agency_id, self.config.timezone),
        )

    def sign_out(self, session: Session, principal: Principal) -> None:
        """Revoke the session or bearer token the principal used."""
        if principal.via in ("session", "bearer") and principal.credential_id is not None:
            row = session.get(AuthSession, principal.credential_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)

    @staticmethod
    def revoke_all(session: Session, user_id: int, keep: int | None = None) -> None:
        """End every session and bearer token of a user (disabled, password changed), but
        `keep` (the session of the person who just changed their own password)."""
        stmt = update(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
        )
        if keep is not None:
            stmt = stmt.where(AuthSession.id != keep)
        session.execute(stmt.values(revoked_at=datetime.now(UTC)))

    @staticmethod
    def revoke_api_tokens(session: Session, user_id: int) -> None:
        """Revoke every API token of a user (their password changed: tokens minted with the
        old credentials must not outlive it)."""
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )

    def signed_in_at(self, session: Session, principal: Principal) -> datetime | None:
        """When the principal's session or bearer token was opened with a password (None for
        API tokens: they are not a sign-in)."""
        if principal.via == "api_token" or principal.credential_id is None:
            return None
        row = session.get(AuthSession, principal.credential_id)
        return as_utc(row.created_at) if row is not None else None
