"""What the API and the importer accept and return for agencies and cameras.

Inputs forbid unknown fields and normalise text (NFC, trimmed, Thai digits in numbers);
outputs never carry a password: only `has_credentials`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from vms.db.models.registry import AgencyKind, AgencyState, CameraState, PullMode, Transport
from vms.inputs import Day, InputModel
from vms.ptz.onvif_url import check_onvif_url
from vms.registry.thai import normalize_text, parse_date, parse_number, search_key

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RESOLUTION = re.compile(r"^(\d{2,5})[xX×](\d{2,5})$")
MAX_TAGS = 32


def _text(value: Any) -> Any:
    """Normalise text; an empty string means "no value"."""
    if isinstance(value, str):
        return normalize_text(value) or None
    return value


def _code(value: Any) -> Any:
    if isinstance(value, str):
        value = normalize_text(value)
        if not _CODE.match(value):
            raise ValueError("letters, digits, '.', '_' and '-' only, starting with a letter/digit")
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str):
        if not normalize_text(value):
            return None
        try:
            return parse_number(value)
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
    return value


def _date(value: Any) -> Any:
    if isinstance(value, str) and not normalize_text(value):
        return None
    if isinstance(value, str | date | datetime):
        return parse_date(value)
    return value


def _resolution(value: Any) -> Any:
    if isinstance(value, str):
        text = normalize_text(value).replace(" ", "")
        if not text:
            return None
        match = _RESOLUTION.match(text)
        if not match:
            raise ValueError("write it as WIDTHxHEIGHT, e.g. 1920x1080")
        return f"{int(match[1])}x{int(match[2])}"
    return value


def normalize_tags(value: Any) -> Any:
    """Tags from a list or a comma-separated string: lower-case, trimmed, unique, sorted."""
    if isinstance(value, str):
        value = re.split(r"[,;،、]", value)
    if isinstance(value, list | tuple):
        tags = sorted({search_key(str(t)) for t in value if str(t).strip()})
        if len(tags) > MAX_TAGS:
            raise ValueError(f"at most {MAX_TAGS} tags")
        for tag in tags:
            if len(tag) > 64:
                raise ValueError(f"tag longer than 64 characters: {tag[:20]}...")
        return tags
    return value


Text200 = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_text)]
Code32 = Annotated[str, BeforeValidator(_code), Field(min_length=1, max_length=32)]
Code64 = Annotated[str, BeforeValidator(_code), Field(min_length=1, max_length=64)]
Url = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=2048)]
OptUrl = Annotated[Annotated[str, Field(max_length=2048)] | None, BeforeValidator(_text)]
Latitude = Annotated[Annotated[float, Field(ge=-90, le=90)] | None, BeforeValidator(_number)]
Longitude = Annotated[Annotated[float, Field(ge=-180, le=180)] | None, BeforeValidator(_number)]
Address = Annotated[Annotated[str, Field(max_length=2000)] | None, BeforeValidator(_text)]
Notes = Annotated[Annotated[str, Field(max_length=4000)] | None, BeforeValidator(_text)]
Resolution = Annotated[str | None, BeforeValidator(_resolution)]
InstallDate = Annotated[Day | None, BeforeValidator(_date)]
Tags = Annotated[list[str], BeforeValidator(normalize_tags)]
Secret = Annotated[str, Field(max_length=200)] | None


def _onvif(value: Any) -> Any:
    return value if value is None else check_onvif_url(value)


OnvifUrl = Annotated[OptUrl, AfterValidator(_onvif)]


class AgencyCreate(InputModel):
    """A new agency. `code` is short and unique (e.g. "PKT-MUNI-PATONG")."""

    model_config = ConfigDict(extra="forbid")

    code: Code32
    kind: AgencyKind
    name_th: Text200 = None
    name_en: Text200 = None

    @model_validator(mode="after")
    def _named(self) -> AgencyCreate:
        if not (self.name_th or self.name_en):
            raise ValueError("give name_th or name_en (or both)")
        return self


class AgencyUpdate(InputModel):
    """Fields to change on an agency; absent fields are left alone."""

    model_config = ConfigDict(extra="forbid")

    code: Code32 | None = None
    kind: AgencyKind | None = None
    name_th: Text200 = None
    name_en: Text200 = None
    state: AgencyState | None = None


class AgencyOut(BaseModel):
    """An agency as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    kind: str
    name_th: str | None
    name_en: str | None
    state: str
    created_at: datetime
    updated_at: datetime


class CameraFields(InputModel):
    """The editable fields of a camera, shared by create, update and import."""

    model_config = ConfigDict(extra="forbid")

    name_th: Text200 = None
    name_en: Text200 = None
    main_url: Url | None = None
    sub_url: OptUrl = None
    latitude: Latitude = None
    longitude: Longitude = None
    address: Address = None
    resolution: Resolution = None
    model: Text200 = None
    notes: Notes = Field(None, description="Free text (an import puts columns it keeps here).")
    install_date: InstallDate = None
    tags: Tags = Field(default_factory=list)
    state: CameraState = "active"
    central_link: bool = False
    pull_mode: PullMode = "always"
    rtsp_transport: Transport | None = None
    onvif_url: OnvifUrl = Field(
        None,
        description="ONVIF device service, http(s)://host[:port]/onvif/device_service; "
        "no credentials in it (they are username/password). Enables PTZ over ONVIF.",
    )
    username: Secret = Field(None, description="Camera user name; stored apart from the URL.")
    password: Secret = Field(None, description="Camera password; write-only, never returned.")


class CameraCreate(CameraFields):
    """A new camera: a code, at least one name, an owner and a main-stream URL."""

    code: Code64
    agency_id: int
    main_url: Url

    @model_validator(mode="after")
    def _named(self) -> CameraCreate:
        if not (self.name_th or self.name_en):
            raise ValueError("give name_th or name_en (or both)")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class CameraOnvifCreate(CameraFields):
    """A new camera registered by its ONVIF address: main and sub stream URLs are asked of
    the camera (GetProfiles / GetStreamUri) with these credentials, unless given."""

    code: Code64
    agency_id: int
    onvif_url: Annotated[Url, AfterValidator(check_onvif_url)]

    @model_validator(mode="after")
    def _named(self) -> CameraOnvifCreate:
        if not (self.name_th or self.name_en):
            raise ValueError("give name_th or name_en (or both)")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class CameraUpdate(CameraFields):
    """Fields to change; only those sent are applied (`model_fields_set`). Send
    `username`/`password` to replace the credentials, both null to remove them."""

    code: Code64 | None = None
    agency_id: int | None = None
    tags: Tags | None = None  # type: ignore[assignment]
    state: CameraState | None = None  # type: ignore[assignment]
    central_link: bool | None = None  # type: ignore[assignment]
    pull_mode: PullMode | None = None  # type: ignore[assignment]


class StreamStatus(BaseModel):
    """What the health registry says about one stream of a camera."""

    state: str = Field(
        description="online, starting, stalled, offline, error, idle; unknown if not pulled"
    )
    detail: str | None = None


class PtzSummary(BaseModel):
    """What PTZ the camera offered when registered by its ONVIF address (GetNodes): the
    operations among continuous, relative, absolute, presets and home; empty: no PTZ head."""

    operations: list[str]


class CameraOut(BaseModel):
    """A camera as the API shows it: no password, only whether credentials are set."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_th: str | None
    name_en: str | None
    agency_id: int
    agency_code: str
    main_url: str
    sub_url: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    notes: str | None = None
    resolution: str | None
    model: str | None
    install_date: date | None
    tags: list[str]
    state: str
    central_link: bool
    pull_mode: str
    rtsp_transport: str | None
    onvif_url: str | None = None
    ptz: PtzSummary | None = None
    has_credentials: bool
    created_at: datetime
    updated_at: datetime
    streams: dict[str, StreamStatus] = Field(default_factory=dict)


class CameraPage(BaseModel):
    """One page of a camera listing."""

    total: int
    limit: int
    offset: int
    items: list[CameraOut]


class AgencyPage(BaseModel):
    """One page of an agency listing."""

    total: int
    limit: int
    offset: int
    items: list[AgencyOut]


CameraAction = Literal["created", "updated", "retired"]
