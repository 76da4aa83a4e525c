"""The [ptz] settings: priorities per standing and how long control sessions last."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vms.access import Standing


class PtzPriorities(BaseModel):
    """Priority of each standing (vms.access.decide_ptz); higher takes over lower at once."""

    model_config = ConfigDict(extra="forbid")

    emergency: int = Field(
        30000,
        ge=1,
        le=32000,
        description="The governor's office under an emergency (and command center if declared).",
    )
    system_admin: int = Field(20000, ge=1, le=32000, description="System administrator.")
    command_supervisor: int = Field(10000, ge=1, le=32000, description="Command-center supervisor.")
    agency_admin: int = Field(
        8000, ge=1, le=32000, description="The owning agency's administrator."
    )
    agency_staff: int = Field(
        5000, ge=1, le=32000, description="The owning agency's operators and desk officers."
    )
    command_operator: int = Field(4000, ge=1, le=32000, description="Command-center operators.")
    shared: int = Field(
        3000, ge=1, le=32000, description="Other agencies' users holding a control-level grant."
    )

    def of(self, standing: Standing) -> int:
        """The configured priority of `standing`."""
        value: int = getattr(self, standing)
        return value


class PtzConfig(BaseModel):
    """PTZ control sessions."""

    model_config = ConfigDict(extra="forbid")

    priorities: PtzPriorities = Field(default_factory=PtzPriorities)  # type: ignore[arg-type]
    session_timeout_s: float = Field(
        15.0, gt=0, le=3600, description="A control session ends this long after its last command."
    )
    reservation_minutes: int = Field(
        60, ge=1, le=1440, description="Default length of a maintenance reservation."
    )
    max_reservation_minutes: int = Field(
        720, ge=1, le=10080, description="Longest maintenance reservation a caller may ask for."
    )
    command_timeout_s: float = Field(
        5.0, gt=0, le=60, description="Longest a route waits for the camera to answer."
    )
    lapse_check_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often a session that ran out is looked for, to audit its lapse.",
    )
