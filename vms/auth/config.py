"""Settings of sign-in, sessions, tokens and duty coverage. Part of the one typed config."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CoverageConfig(BaseModel):
    """Duty coverage: how many officers each police station keeps on watch."""

    model_config = ConfigDict(extra="forbid")

    required_default: int = Field(
        2,
        ge=0,
        description="Officers each police station must have on watch (override per agency).",
    )
    station_kinds: list[str] = Field(
        default_factory=lambda: ["police_station"],
        description="Agency kinds whose coverage is watched.",
    )
    heartbeat_timeout_s: float = Field(
        45.0,
        gt=0,
        description="An officer whose wall has not sent a heartbeat this long is off watch.",
    )
    grace_s: float = Field(
        120.0,
        ge=0,
        description="Seconds a station may stay short before coverage.below is raised.",
    )
    check_interval_s: float = Field(5.0, gt=0, description="How often coverage is re-evaluated.")


class AuthConfig(BaseModel):
    """How people and integrations sign in."""

    model_config = ConfigDict(extra="forbid")

    session_ttl_s: int = Field(
        12 * 3600, ge=60, description="Browser session lifetime (one shift)."
    )
    access_token_ttl_s: int = Field(3600, ge=60, description="Lifetime of OAuth2 bearer tokens.")
    cookie_secure: bool = Field(
        True, description="Mark the session cookie Secure (turn off only for plain-HTTP demos)."
    )
    max_failed_logins: int = Field(
        5,
        ge=1,
        description="Wrong passwords for one account from one address before each further "
        "attempt from there must wait (other addresses are not affected).",
    )
    lockout_s: int = Field(
        300, ge=1, description="Longest wait, in seconds, the growing delays reach."
    )
    max_failed_per_address: int = Field(
        20,
        ge=1,
        description="Wrong passwords from one address (any accounts) before it must wait.",
    )
    throttle_base_delay_s: float = Field(
        2.0,
        gt=0,
        description="First wait after the allowance is used; each further failure doubles it.",
    )
    hash_workers: int = Field(
        2, ge=1, le=64, description="Threads that check passwords (Argon2, 64 MiB each)."
    )
    hash_queue: int = Field(
        32,
        ge=0,
        description="Sign-ins that may wait for a password thread; beyond that: 429 Retry-After.",
    )
    recent_sign_in_s: int = Field(
        600,
        ge=10,
        description="Creating an API token needs a sign-in (password) at most this long ago.",
    )
    metrics_token: str = Field(
        "",
        description="Bearer token a Prometheus scraper sends for /metrics (empty: only a "
        "signed-in system administrator may read it). Prefer VMS_AUTH__METRICS_TOKEN.",
    )
    api_token_max_days: int = Field(
        365, ge=1, description="Longest lifetime an API token may be given."
    )
    timezone: str = Field(
        "Asia/Bangkok", description="Time zone of grant hours and daily coverage history."
    )
    coverage: CoverageConfig = Field(default_factory=CoverageConfig)  # type: ignore[arg-type]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
