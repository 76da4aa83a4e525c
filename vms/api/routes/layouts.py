"""Saved wall layouts: `/api/v1/layouts`. Each person sees their own layouts and shared ones;
only the owner may change or delete a layout. The owner is the signed-in user (by user name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from vms.access_objects import AccessContext, LayoutAction, require_layout
from vms.api.deps import CurrentPrincipal, SessionDep
from vms.auth.principal import Principal
from vms.db.models.layouts import Layout
from vms.errors import Conflict, NotFound
from vms.inputs import MAX_INT, InputModel

router = APIRouter(prefix="/api/v1/layouts", tags=["layouts"])

GRID_TILES: dict[str, int] = {
    "1": 1,
    "4": 4,
    "9": 9,
    "16": 16,
    "25": 25,
    "1+5": 6,
    "1+7": 8,
    "3+4": 7,
}
"""Wall grids the browser can draw, and how many tiles each has."""

MAX_TOUR_CAMERAS = 64


def get_layout_owner(principal: CurrentPrincipal) -> str:
    """Who is asking: the signed-in user's name owns the layouts they save."""
    return principal.username


OwnerDep = Annotated[str, Depends(get_layout_owner)]


def _camera_ref(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("camera id must be a string or an integer")
    text = str(value).strip()
    if not text or len(text) > 64:
        raise ValueError("camera id must be 1 to 64 characters")
    return text


class TourIn(InputModel):
    """Cameras one tile cycles through, each shown for `interval_s` seconds."""

    model_config = ConfigDict(extra="forbid")

    camera_ids: list[str] = Field(min_length=1, max_length=MAX_TOUR_CAMERAS)
    interval_s: int = Field(10, ge=3, le=3600, description="Seconds each camera stays on.")

    @field_validator("camera_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> list[str]:
        if not isinstance(value, list):
            raise ValueError("camera_ids must be a list")
        return [_camera_ref(v) for v in value]


class TileIn(InputModel):
    """What one tile shows: a camera, a tour, or nothing."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str | None = None
    tour: TourIn | None = None

    @field_validator("camera_id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str | None:
        return None if value is None else _camera_ref(value)


class GridIn(InputModel):
    """A grid and what its tiles show: the shape saved layouts and wall pushes share."""

    model_config = ConfigDict(extra="forbid")

    grid: str = Field(description="One of " + ", ".join(GRID_TILES))
    tiles: list[TileIn] = Field(default_factory=list, max_length=25)

    @field_validator("grid")
    @classmethod
    def _grid(cls, value: str) -> str:
        if value not in GRID_TILES:
            raise ValueError(f"must be one of {', '.join(GRID_TILES)}")
        return value

    @model_validator(mode="after")
    def _fits(self) -> GridIn:
        if len(self.tiles) > GRID_TILES[self.grid]:
            raise ValueError(f"grid {self.grid} has {GRID_TILES[self.grid]} tiles")
        return self


class LayoutIn(GridIn):
    """A layout as the wall saves it."""

    name: str = Field(min_length=1, max_length=100)
    shared: bool = Field(False, description="Visible (read-only) to everyone.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value


class LayoutOut(BaseModel):
    """A saved layout; `editable` says whether the caller owns it."""

    id: int
    name: str
    owner: str
    shared: bool
    grid: str
    tiles: list[dict[str, Any]]
    editable: bool
    created_at: datetime
    updated_at: datetime


class LayoutList(BaseModel):
    items: list[LayoutOut]
    total: int


def _out(layout: Layout, owner: str) -> LayoutOut:
    return LayoutOut(
        id=layout.id,
        name=layout.name,
        owner=layout.owner,
        shared=layout.shared,
        grid=layout.grid,
        tiles=list(layout.tiles),
        editable=layout.owner == owner,
        created_at=layout.created_at,
        updated_at=layout.updated_at,
    )


def _layout(
    session: SessionDep, layout_id: int, principal: Principal, action: LayoutAction
) -> Layout:
    layout = session.get(Layout, layout_id)
    if layout is None:
        raise NotFound(f"no layout {layout_id}")
    ctx = AccessContext.of(principal)
    require_layout(ctx, action, layout_id, layout.owner, layout.shared)
    return layout


def _commit(session: SessionDep, name: str) -> None:
    # Commit before answering: the session dependency's own commit may run after the response
    # is sent, and the wall reads the list back at once.
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"you already have a layout named {name!r}") from None


@router.get("", response_model=LayoutList)
def list_layouts(
    session: SessionDep,
    owner: OwnerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> LayoutList:
    """The caller's layouts and the shared ones, by name."""
    visible = or_(Layout.owner == owner, Layout.shared.is_(True))
    total = session.scalar(select(func.count()).select_from(Layout).where(visible)) or 0
    rows = session.scalars(
        select(Layout).where(visible).order_by(Layout.name, Layout.id).limit(limit).offset(offset)
    ).all()
    return LayoutList(items=[_out(r, owner) for r in rows], total=total)


@router.post("", response_model=LayoutOut, status_code=status.HTTP_201_CREATED)
def create_layout(body: LayoutIn, session: SessionDep, owner: OwnerDep) -> LayoutOut:
    """Save a new layout owned by the caller."""
    layout = Layout(
        name=body.name,
        owner=owner,
        shared=body.shared,
        grid=body.grid,
        tiles=[t.model_dump() for t in body.tiles],
    )
    session.add(layout)
    _commit(session, body.name)
    return _out(layout, owner)


@router.get("/{layout_id}", response_model=LayoutOut)
def get_layout(layout_id: int, session: SessionDep, principal: CurrentPrincipal) -> LayoutOut:
    """One layout the caller owns or that is shared."""
    layout = _layout(session, layout_id, principal, LayoutAction.SEE)
    return _out(layout, principal.username)


@router.put("/{layout_id}", response_model=LayoutOut)
def replace_layout(
    layout_id: int, body: LayoutIn, session: SessionDep, principal: CurrentPrincipal
) -> LayoutOut:
    """Overwrite one of the caller's layouts."""
    owner = principal.username
    layout = _layout(session, layout_id, principal, LayoutAction.CHANGE)
    layout.name = body.name
    layout.shared = body.shared
    layout.grid = body.grid
    layout.tiles = [t.model_dump() for t in body.tiles]
    _commit(session, body.name)
    return _out(layout, owner)


@router.delete("/{layout_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_layout(layout_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Delete one of the caller's layouts."""
    session.delete(_layout(session, layout_id, principal, LayoutAction.CHANGE))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
