"""The [registry] settings section: what the importer checks beyond the file itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RegistryConfig(BaseModel):
    """Inventory checks for this site."""

    model_config = ConfigDict(extra="forbid")

    province_bounds: list[float] = Field(
        default_factory=list,
        description="South, west, north, east (degrees) of the site's province: an imported "
        "camera outside gets a warning (e.g. Phuket: [7.74, 98.25, 8.21, 98.48]). []: no check.",
    )

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The bounds as (south, west, north, east), or None when not set."""
        if not self.province_bounds:
            return None
        south, west, north, east = self.province_bounds
        return south, west, north, east

    @model_validator(mode="after")
    def _ordered(self) -> RegistryConfig:
        if self.province_bounds:
            if len(self.province_bounds) != 4:
                raise ValueError("province_bounds is [south, west, north, east] in degrees")
            south, west, north, east = self.province_bounds
            if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
                raise ValueError("province_bounds is [south, west, north, east] in degrees")
        return self
