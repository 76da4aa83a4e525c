"""The [registry] settings section: what the importer checks beyond the file itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RegistryConfig(BaseModel):
    """Inventory checks for this site."""

    model_config = ConfigDict(extra="forbid")

    province_bounds: tuple[float, float, float, float] | None = Field(
        None,
        description="South, west, north, east (degrees) of the site's province: an imported "
        "camera outside gets a warning (e.g. Phuket: [7.74, 98.25, 8.21, 98.48]). None: no check.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RegistryConfig:
        if self.province_bounds is not None:
            south, west, north, east = self.province_bounds
            if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
                raise ValueError("province_bounds is [south, west, north, east] in degrees")
        return self
