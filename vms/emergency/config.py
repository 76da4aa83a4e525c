"""Settings of the emergency override ([emergency] in the config file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EmergencyConfig(BaseModel):
    """The governor's emergency override."""

    model_config = ConfigDict(extra="forbid")

    require_confirmation: bool = Field(
        False,
        description="Two-person rule: a second authorised person must confirm a declaration.",
    )
    confirm_within_s: int = Field(
        600, ge=1, description="A declaration not confirmed this long after it was made lapses."
    )
    max_duration_s: int = Field(
        259200, ge=1, description="Longest duration a declaration (or an extension) may ask for."
    )
