"""[reports]: the uptime reports and the availability alert."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportsConfig(BaseModel):
    """Uptime reports and the alert raised when an agency's cameras work too little."""

    model_config = ConfigDict(extra="forbid")

    availability_alert_pct: float = Field(
        90.0,
        ge=0,
        le=100,
        description="Raise uptime.below (event and audit record) when an agency's availability "
        "over the alert window falls below this percentage (0: never).",
    )
    alert_window_s: float = Field(
        3600.0, ge=60, description="The period (seconds, ending now) the alert measures."
    )
    alert_min_measured_s: float = Field(
        300.0,
        ge=0,
        description="Stream-seconds an agency must have been measured in the window before "
        "the alert judges it (a server that just started says nothing).",
    )
    check_interval_s: float = Field(
        60.0, gt=0, description="How often the alert re-measures every agency."
    )
    max_period_days: int = Field(
        366, ge=1, description="Longest period a report may cover (larger requests get 422)."
    )
    central_link_target_pct: float = Field(
        20.0,
        gt=0,
        le=100,
        description="The national plan's share of each agency's cameras to central-link "
        "(GET /api/v1/reports/central-link measures against it).",
    )
