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
        5, ge=1, description="Failed sign-ins in a row before the account is locked for a while."
    )
    lockout_s: int = Field(300, ge=1, description="How long a locked account stays locked.")
    max_failed_per_address: int = Field(
        20, ge=1, description="Failed sign-ins from one client address before it is throttled."
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
