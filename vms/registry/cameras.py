"""Cameras: create, read, update, retire, list with filters and Thai-aware text search.

Callers commit; `CameraRegistry` (in vms/registry/registry.py) commits and publishes
`camera.changed` so the camera sync reconciles ingest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from ingest.url_policy import CameraUrlPolicy, check_destination
from ingest.urls import InvalidCameraUrl
from vms.credentials import store as credentials
from vms.db.models.registry import Agency, Camera, CameraTag
from vms.errors import Conflict, InvalidInput, NotFound
from vms.logs import scrub
from vms.ptz.onvif_url import check_onvif_url
from vms.registry.schemas import CameraCreate, CameraUpdate
from vms.registry.thai import search_key

URL_FIELDS = ("main_url", "sub_url")
# Fields compared by the importer's diff and written by export (credentials are apart).
CAMERA_FIELDS = (
    "name_th", "name_en", "agency_id", "main_url", "sub_url", "latitude", "longitude",
    "address", "resolution", "model", "install_date", "tags", "state", "central_link",
    "pull_mode", "rtsp_transport", "onvif_url", "notes",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CameraFilter:
    """What a camera listing is narrowed to; None means "any"."""

    agency_id: int | None = None
    tag: str | None = None
    state: str | None = None
    central_link: bool | None = None
    q: str | None = None


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def camera_search_text(camera: Camera) -> str:
    """The stored search key: code, names, address, model and tags, one per line."""
    return search_text(
        camera.code, camera.name_th, camera.name_en, camera.address, camera.model, camera.tags
    )


def search_text(
    code: str,
    name_th: str | None,
    name_en: str | None,
    address: str | None,
    model: str | None,
    tags: Iterable[str],
) -> str:
    """The search key of camera values not (yet) on a Camera object (bulk import)."""
    parts: Iterable[str | None] = (code, name_th, name_en, address, model, *tags)
    return "\n".join(search_key(p) for p in parts if p)


def check_urls(values: dict[str, Any], policy: CameraUrlPolicy) -> None:
    """InvalidInput naming the field if a stream URL is refused (scheme, credentials in it,
    a destination outside the camera networks: ingest/url_policy.py)."""
    for field in URL_FIELDS:
        url = values.get(field)
        if url is None:
            continue
        try:
            policy.check(url, connecting=False)
        except InvalidCameraUrl as exc:
            problem = scrub(str(exc))
            raise InvalidInput(
                f"{field}: {problem}", details=[{"field": field, "problem": problem}]
            ) from None
    onvif = values.get("onvif_url")
    if onvif is not None:
        try:
            values["onvif_url"] = check_onvif_url(onvif)
            # the server connects there for PTZ: the camera networks bound it as for streams
            check_destination(
                values["onvif_url"], policy.networks, policy.refused_ports, strict_names=False
            )
        except ValueError as exc:
            raise InvalidInput(
                f"onvif_url: {exc}", details=[{"field": "onvif_url", "problem": str(exc)}]
            ) from None


def _loaded() -> Select[Camera]:
    return select(Camera).options(
        selectinload(Camera.agency), selectinload(Camera.tag_rows),
        selectinload(Camera.credential),
    )  # fmt: skip


def get_camera(session: Session, camera_id: int) -> Camera:
    """The camera with its agency, tags and credential flag loaded, or NotFound."""
    camera = session.scalars(_loaded().where(Camera.id == camera_id)).first()
    if camera is None:
        raise NotFound(f"no camera with id {camera_id}")
    return camera


def cameras_by_code(session: Session, codes: Iterable[str]) -> dict[str, Camera]:
    """Existing cameras among `codes`, keyed by code."""
    wanted = list(codes)
    found: dict[str, Camera] = {}
    for start in range(0, len(wanted), 500):  # stay under bound-parameter limits
        chunk = wanted[start : start + 500]
        for camera in session.scalars(_loaded().where(Camera.code.in_(chunk))):
            found[camera.code] = camera
    return found


def list_cameras(
    session: Session,
    filters: CameraFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    where: ColumnElement[bool] | None = None,
) -> tuple[int, list[Camera]]:
    """Cameras matching `filters` (and `where`: the caller's access), ordered by code, with
    the total before paging."""
    query = select(Camera.id) if where is None else select(Camera.id).where(where)
    if filters.agency_id is not None:
        query = query.where(Camera.agency_id == filters.agency_id)
    if filters.state is not None:
        query = query.where(Camera.state == filters.state)
    if filters.central_link is not None:
        query = query.where(Camera.central_link == filters.central_link)
    if filters.tag:
        tagged = select(CameraTag.camera_id).where(CameraTag.tag == search_key(filters.tag))
        query = query.where(Camera.id.in_(tagged))
    if filters.q and search_key(filters.q):
        query = query.where(Camera.search_text.like(like_pattern(search_key(filters.q)), "\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = _loaded().where(Camera.id.in_(query)).order_by(Camera.code).limit(limit).offset(offset)
    return total, list(session.scalars(page))


def all_cameras(session: Session) -> list[Camera]:
    """Every camera, ordered by code (export, sync)."""
    return list(session.scalars(_loaded().order_by(Camera.code)))


def create_camera(session: Session, data: CameraCreate, policy: CameraUrlPolicy) -> Camera:
    """Add a camera; Conflict on a taken code, NotFound for an unknown agency."""
    values = data.model_dump()
    check_urls(values, policy)
    _ensure_code_free(session, data.code, None)
    camera = Camera(code=data.code)
    apply_fields(session, camera, values)
    session.add(camera)
    session.flush()
    return camera


def update_camera(
    session: Session, camera_id: int, data: CameraUpdate, policy: CameraUrlPolicy
) -> Camera:
    """Change the fields that were sent; the result must still be a valid camera."""
    camera = get_camera(session, camera_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("code", "agency_id", "main_url", "tags", "state", "pull_mode", "central_link"):
        if required in values and values[required] is None:
            raise InvalidInput(
                f"{required}: cannot be removed", details=[{"field": required, "problem": "null"}]
            )
    if ("username" in values) != ("password" in values):
        raise InvalidInput("send username and password together (both null removes them)")
    check_urls(values, policy)
    if values.get("code") not in (None, camera.code):
        _ensure_code_free(session, values["code"], camera.id)
    if "onvif_url" in values and values["onvif_url"] != camera.onvif_url:
        camera.ptz_operations = None  # another device: what it offers is not known yet
    apply_fields(session, camera, values)
    if not (camera.name_th or camera.name_en):
        raise InvalidInput("a camera keeps at least one name (name_th or name_en)")
    session.flush()
    return camera


def retire_camera(session: Session, camera_id: int) -> Camera:
    """Lifecycle → retired: no longer pulled, kept for history."""
    camera = get_camera(session, camera_id)
    camera.state = "retired"
    session.flush()
    return camera


def apply_fields(session: Session, camera: Camera, values: dict[str, Any]) -> None:
    """Write validated values onto `camera`: tags and credentials into their tables, and the
    search key recomputed. `agency_id` must name an agency that is not retired."""
    values = dict(values)
    if "agency_id" in values and values["agency_id"] != camera.agency_id:
        agency = session.get(Agency, values["agency_id"])
        if agency is None:
            raise NotFound(f"no agency with id {values['agency_id']}")
        if agency.state == "retired":
            raise Conflict(f"agency {agency.code} is retired")
        camera.agency = agency
    values.pop("agency_id", None)
    if "username" in values or "password" in values:
        _set_credentials(
            session, camera, values.pop("username", None), values.pop("password", None)
        )
    if "tags" in values:
        tags = values.pop("tags") or []
        camera.tag_rows = [row for row in camera.tag_rows if row.tag in tags]
        have = {row.tag for row in camera.tag_rows}
        camera.tag_rows.extend(CameraTag(tag=t) for t in tags if t not in have)
        camera.tag_rows.sort(key=lambda row: row.tag)
    for name, value in values.items():
        setattr(camera, name, value)
    camera.search_text = camera_search_text(camera)


def _set_credentials(
    session: Session, camera: Camera, username: str | None, password: str | None
) -> None:
    if username is None and password is None:
        camera.credential = None
        return
    if username is None or password is None:
        raise InvalidInput("give both username and password, or neither")
    credentials.store(session, camera, username, password)


def _ensure_code_free(session: Session, code: str, own_id: int | None) -> None:
    clash = session.scalars(select(Camera.id).where(Camera.code == code)).first()
    if clash is not None and clash != own_id:
        raise Conflict(f"camera code {code!r} is already used")
