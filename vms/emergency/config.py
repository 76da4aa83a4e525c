"""Settings of the emergency override ([emergency] in the config file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    max_total_s: int = Field(
        2592000,
        ge=1,
        description="Longest an emergency may last in all, its extensions included; past it "
        "a person ends it and declares anew.",
    )

    @model_validator(mode="after")
    def _total_holds_one_declaration(self) -> EmergencyConfig:
        if self.max_total_s < self.max_duration_s:
            raise ValueError("max_total_s must be at least max_duration_s")
        return self
