"""The one typed settings model: a TOML file in configs/ plus VMS_* environment variables.

Loaded once by the CLI (`load_settings`) and passed down; nothing reads it at import time.
Environment variables override the file: `VMS_DATABASE__URL=postgresql+psycopg://...`.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingest.config import IngestConfig
from relay.config import RelayConfig
from vms.auth.config import AuthConfig
from vms.credentials.config import CredentialsConfig
from vms.emergency.config import EmergencyConfig
from vms.errors import ConfigError
from vms.evidence.config import EvidenceConfig
from vms.ptz.config import PtzConfig
from vms.recording.config import RecordingConfig
from vms.registry.config import RegistryConfig
from vms.site.config import SiteConfig
from vms.uptime.config import ReportsConfig


class ServerConfig(BaseModel):
    """Where the HTTP server listens and which browser origins it trusts."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8080, ge=1, le=65535, description="HTTP port of the API and the video wall.")
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="Extra browser origins allowed to call the API (the server's own always is).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed; "
        "from anyone else the header is ignored.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body (JSON, forms, SDP); larger ones get 413 while read.",
    )
    max_upload_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="Largest file upload (multipart, e.g. a camera spreadsheet import).",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"not an address or CIDR: {cidr!r}") from None
        return value


class DatabaseConfig(BaseModel):
    """The registry database."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        "sqlite:///var/vms.db",
        description="SQLAlchemy URL: sqlite:///path (default) or postgresql+psycopg://user@host/db.",
    )


class StateConfig(BaseModel):
    """Shared state and events between processes serving one site."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["memory", "redis"] = Field(
        "memory", description="memory: one process (default); redis: several processes or machines."
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL when backend=redis.")


class LoggingConfig(BaseModel):
    """Log output."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    format: Literal["json", "text"] = Field("text", description="json: one JSON object a line.")


class Settings(BaseSettings):
    """Everything the server can be told. Every key is described; unknown keys are errors."""

    model_config = SettingsConfigDict(
        env_prefix="VMS_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    site_name: str = Field("Command Center", description="Shown in the title bar of the wall.")
    server: ServerConfig = Field(default_factory=ServerConfig)  # type: ignore[arg-type]
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)  # type: ignore[arg-type]
    state: StateConfig = Field(default_factory=StateConfig)  # type: ignore[arg-type]
    logging: LoggingConfig = Field(default_factory=LoggingConfig)  # type: ignore[arg-type]
    ingest: IngestConfig = Field(default_factory=IngestConfig)  # type: ignore[arg-type]
    relay: RelayConfig = Field(default_factory=RelayConfig)  # type: ignore[arg-type]
    auth: AuthConfig = Field(default_factory=AuthConfig)  # type: ignore[arg-type]
    ptz: PtzConfig = Field(default_factory=PtzConfig)  # type: ignore[arg-type]
    emergency: EmergencyConfig = Field(default_factory=EmergencyConfig)  # type: ignore[arg-type]
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)  # type: ignore[arg-type]

    reports: ReportsConfig = Field(default_factory=ReportsConfig)  # type: ignore[arg-type]

    registry: RegistryConfig = Field(default_factory=RegistryConfig)
    credentials: CredentialsConfig = Field(default_factory=CredentialsConfig)  # type: ignore[arg-type]
    recording: RecordingConfig = Field(default_factory=RecordingConfig)  # type: ignore[arg-type]
    site: SiteConfig = Field(default_factory=SiteConfig)  # type: ignore[arg-type]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from a TOML file, the environment and explicit overrides.

    Raises ConfigError naming every bad key and what is wrong with it.
    """
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file {config_file}: no such file")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "toml_file": config_file})

    try:
        loaded = _FromFile(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, config_file)) from None
    except ValueError as exc:  # malformed TOML
        raise ConfigError(f"config file {config_file}: {exc}") from None
    return loaded


def _describe(exc: ValidationError, config_file: Path | None) -> str:
    where = f" in {config_file}" if config_file else ""
    lines = [f"invalid configuration{where}:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        env = "VMS_" + "__".join(str(p) for p in err["loc"]).upper()
        lines.append(f"  {key} (env {env}): {err['msg']}")
    return "\n".join(lines)
