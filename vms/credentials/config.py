"""Where the site's credential keys are read from (`[credentials]`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class CredentialsConfig(BaseModel):
    """The keys that seal camera credentials in the database. The keys themselves are never
    settings: they are in the key file, or in the environment variable VMS_CREDENTIAL_KEYS
    (which wins when set)."""

    model_config = ConfigDict(extra="forbid")

    key_file: Path = Field(
        Path("var/credential.keys"),
        description=(
            "Key file (mode 0600, `vms keys init` creates it): lines ID:KEY, the first seals. "
            "Ignored when VMS_CREDENTIAL_KEYS is set."
        ),
    )
