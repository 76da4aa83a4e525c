"""Settings of evidence exports and data-use requests ([evidence] in the config file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EvidenceConfig(BaseModel):
    """Who approves a data-use request, how exports are signed, stored and downloaded."""

    model_config = ConfigDict(extra="forbid")

    approver: Literal["owning_agency", "working_group"] = Field(
        "owning_agency",
        description="owning_agency: an administrator of every agency owning a requested camera "
        "approves; working_group: one member of the provincial working group approves.",
    )
    working_group_agency: str = Field(
        "",
        description="Code of the agency whose administrators form the provincial working group "
        "(they see every request, and approve when approver = working_group); empty: none. "
        "The system administrator always belongs to it.",
    )
    signing_key_file: str = Field(
        "var/evidence-signing-key.pem",
        description="The site's Ed25519 private key (PEM) that signs export manifests; "
        "generated on first use with permissions 0600.",
    )
    export_dir: str = Field("var/exports", description="Where finished export zips are kept.")
    download_ttl_s: int = Field(
        7 * 24 * 3600,
        ge=60,
        description="How long after it is produced the requester may download an export.",
    )
    max_range_s: int = Field(
        24 * 3600, ge=1, description="Longest time range one request may ask for."
    )
    max_cameras: int = Field(16, ge=1, le=256, description="Most cameras in one request.")
    viewing_copy: bool = Field(
        False,
        description="Add to each export a re-encoded viewing copy of every clip with the "
        "requester, the case number and the recorded time burnt into the picture (the "
        "original bitstream stays beside it; the manifest lists both).",
    )
