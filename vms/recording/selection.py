"""The national 20 % selection: how many of each agency's active cameras are central-linked
(recorded centrally, re-served to the national system) against the target, which agencies
fall short, and which cameras to add.

Suggestions, per agency short of the target, as many as it needs: its active cameras not yet
linked, best first by `score` = availability over the last `days` (main stream; unmeasured
counts as 0.5) × spread (the distance to the nearest linked camera of the site, over
`SPREAD_M` and capped at 1; a camera without a position counts as 0.5; with nothing linked
yet, 1). Picked greedily: each pick counts as linked for the next, so the suggestions spread
over the map instead of bunching where the gaps are. Blocking (SQL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.db.models.registry import Agency, Camera
from vms.uptime.report import build_report

SPREAD_M = 1000.0  # a candidate this far from every linked camera fills a gap fully
UNKNOWN = 0.5  # what an unmeasured availability or a missing position counts as
EARTH_M = 6_371_000.0


@dataclass(slots=True)
class Suggestion:
    camera_id: int
    code: str
    name: str
    availability: float | None  # 0..1 over the period (None: never measured)
    nearest_linked_m: float | None  # to the nearest linked (or already suggested) camera
    score: float


@dataclass(slots=True)
class AgencyShare:
    agency_id: int
    code: str
    name_th: str | None
    name_en: str | None
    cameras: int
    linked: int
    needed: int  # more cameras to link to reach the target
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def pct(self) -> float | None:
        return round(100 * self.linked / self.cameras, 1) if self.cameras else None


@dataclass(slots=True)
class SelectionReport:
    target_pct: float
    cameras: int
    linked: int
    needed: int
    agencies: list[AgencyShare]

    @property
    def pct(self) -> float | None:
        return round(100 * self.linked / self.cameras, 1) if self.cameras else None


def needed(cameras: int, linked: int, target_pct: float) -> int:
    """How many more of `cameras` to link so that at least `target_pct` % are."""
    return max(0, math.ceil(cameras * target_pct / 100 - 1e-9) - linked)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def _position(camera: Camera) -> tuple[float, float] | None:
    if camera.latitude is None or camera.longitude is None:
        return None
    return (camera.latitude, camera.longitude)


def _spread(point: tuple[float, float] | None, nearest: float | None, any_linked: bool) -> float:
    if point is None:
        return UNKNOWN
    if nearest is None:
        return 1.0 if not any_linked else UNKNOWN
    return min(1.0, nearest / SPREAD_M)


def _suggest(
    candidates: list[Camera],
    count: int,
    placed: list[tuple[float, float]],
    availability: dict[int, float | None],
) -> list[Suggestion]:
    """Pick `count` of `candidates` greedily; each pick's position is appended to `placed`
    (the linked cameras' positions), so it counts for the next pick and the next agency.
    Each candidate's distance to the nearest placed camera is measured once and lowered by
    each pick, not measured again against all of them."""
    points = {c.id: _position(c) for c in candidates}
    nearest: dict[int, float | None] = {}
    for cam in candidates:
        point = points[cam.id]
        near = [distance_m(point, p) for p in placed] if point is not None else []
        nearest[cam.id] = min(near) if near else None
    picked: list[Suggestion] = []
    left = list(candidates)
    while left and len(picked) < count:
        scored = []
        for cam in left:
            avail = availability.get(cam.id)
            spread = _spread(points[cam.id], nearest[cam.id], bool(placed))
            scored.append(((UNKNOWN if avail is None else avail) * spread, cam, avail))
        value, best, avail = max(scored, key=lambda s: (s[0], -s[1].id))
        name = best.name_th or best.name_en or best.code
        picked.append(
            Suggestion(best.id, best.code, name, avail, nearest[best.id], round(value, 4))
        )
        left.remove(best)
        if (where := points[best.id]) is not None:
            placed.append(where)
            for cam in left:
                point = points[cam.id]
                if point is not None:
                    d = distance_m(point, where)
                    old = nearest[cam.id]
                    nearest[cam.id] = d if old is None else min(old, d)
    return picked


def build_selection(
    session: Session,
    *,
    now: datetime,
    target_pct: float,
    days: int,
    agency_ids: Sequence[int] | None,
    site_name: str,
) -> SelectionReport:
    """The selection for `agency_ids` (None: every agency; the site's total is over them)."""
    agencies_q = select(Agency).order_by(Agency.code)
    if agency_ids is not None:
        agencies_q = agencies_q.where(Agency.id.in_(agency_ids))
    agencies = list(session.scalars(agencies_q))
    active = session.scalars(
        select(Camera).where(Camera.state == "active").order_by(Camera.id)
    ).all()
    # spread is judged against every linked camera of the site, whoever owns it
    linked_points = [p for c in active if c.central_link and (p := _position(c)) is not None]
    uptime = build_report(
        session,
        start=now - timedelta(days=days),
        end=now,
        agency_ids=[a.id for a in agencies],
        now=now,
        site_name=site_name,
    )
    availability: dict[int, float | None] = {
        s.camera_id: s.uptime.availability
        for a in uptime.agencies
        for s in a.streams
        if s.stream == "main"
    }
    by_agency: dict[int, list[Camera]] = {}
    for camera in active:
        by_agency.setdefault(camera.agency_id, []).append(camera)
    shares: list[AgencyShare] = []
    for agency in agencies:
        own = by_agency.get(agency.id, [])
        linked = sum(1 for c in own if c.central_link)
        share = AgencyShare(
            agency.id, agency.code, agency.name_th, agency.name_en, len(own), linked,
            needed(len(own), linked, target_pct),
        )  # fmt: skip
        if share.needed:
            candidates = [c for c in own if not c.central_link]
            share.suggestions = _suggest(candidates, share.needed, linked_points, availability)
        shares.append(share)
    total = sum(s.cameras for s in shares)
    total_linked = sum(s.linked for s in shares)
    return SelectionReport(
        target_pct, total, total_linked, needed(total, total_linked, target_pct), shares
    )
