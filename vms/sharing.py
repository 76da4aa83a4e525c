"""Sharing agreements between agencies: create, list, revoke, and load them for decisions.

An owning agency's administrator grants another agency (or the command center) a camera, a tag
or all its cameras at a level. The provincial agreement - the command center sees every camera
live - is an ordinary, visible, revocable grant from "every agency" (owner NULL), given only by
an explicit, audited act of a system administrator (`provincial_spec`), never as a side effect.
Every change publishes "access.changed" so running views are re-decided at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vms.access import GrantRule, as_utc
from vms.access_objects import (
    AccessContext,
    GrantAction,
    decide_grant,
    grants_all,
    require_grant_create,
)
from vms.auth.principal import Principal
from vms.auth.roles import SHARE_LEVELS
from vms.db.models.identity import Grant
from vms.db.models.registry import Agency, Camera
from vms.errors import Forbidden, InvalidInput, NotFound
from vms.events import EventBus

Level = Literal["live", "recordings", "control", "export"]
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
COMMAND_CENTER_KIND = "command_center"
PROVINCIAL_NOTE = "Provincial agreement: every agency's cameras live to the command center"


@dataclass(frozen=True, slots=True)
class GrantSpec:
    """What an administrator asks to share."""

    grantee_agency_id: int
    level: Level
    owner_agency_id: int | None
    camera_id: int | None = None
    tag: str | None = None
    hours_start: str | None = None
    hours_end: str | None = None
    expires_at: datetime | None = None
    note: str = ""


def parse_hhmm(value: str) -> time:
    match = _HHMM.match(value)
    if match is None:
        raise InvalidInput(f"hours: {value!r} is not HH:MM (00:00-23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def to_rule(grant: Grant, tz: str) -> GrantRule:
    hours = None
    if grant.hours_start is not None and grant.hours_end is not None:
        hours = (parse_hhmm(grant.hours_start), parse_hhmm(grant.hours_end))
    return GrantRule(
        id=grant.id,
        owner_agency_id=grant.owner_agency_id,
        grantee_agency_id=grant.grantee_agency_id,
        level=grant.level,
        camera_id=grant.camera_id,
        tag=grant.tag,
        hours=hours,
        expires_at=grant.expires_at,
        tz=tz,
    )


def active_rules(session: Session, grantee_agency_id: int, tz: str) -> tuple[GrantRule, ...]:
    """The unrevoked grants towards an agency (expiry and hours are judged at decision time)."""
    rows = session.scalars(
        select(Grant).where(
            Grant.grantee_agency_id == grantee_agency_id, Grant.revoked_at.is_(None)
        )
    )
    return tuple(to_rule(g, tz) for g in rows)


class SharingService:
    """Creates and revokes grants on behalf of a principal, and announces every change."""

    def __init__(self, events: EventBus, tz: str) -> None:
        self.events = events
        self.tz = tz

    def create(self, session: Session, principal: Principal, spec: GrantSpec) -> Grant:
        """Record a new grant after checking the principal may share the owner's cameras."""
        ctx = AccessContext.of(principal)
        require_grant_create(ctx, spec.owner_agency_id, spec.grantee_agency_id)
        if spec.owner_agency_id is not None:
            if session.get(Agency, spec.owner_agency_id) is None:
                raise NotFound(f"agency {spec.owner_agency_id} not found")
        if spec.level not in SHARE_LEVELS:
            raise InvalidInput(f"level must be one of {', '.join(SHARE_LEVELS)}")
        if session.get(Agency, spec.grantee_agency_id) is None:
            raise NotFound(f"agency {spec.grantee_agency_id} not found")
        if spec.grantee_agency_id == spec.owner_agency_id:
            raise InvalidInput("an agency cannot share with itself")
        if spec.camera_id is not None and spec.tag is not None:
            raise InvalidInput("share either one camera or one tag, not both")
        if spec.camera_id is not None:
            camera = session.get(Camera, spec.camera_id)
            if camera is None or (
                spec.owner_agency_id is not None and camera.agency_id != spec.owner_agency_id
            ):
                raise NotFound(f"camera {spec.camera_id} not found")
        if (spec.hours_start is None) != (spec.hours_end is None):
            raise InvalidInput("give both hours_start and hours_end, or neither")
        for value in (spec.hours_start, spec.hours_end):
            if value is not None:
                parse_hhmm(value)
        if spec.expires_at is not None and as_utc(spec.expires_at) <= datetime.now(UTC):
            raise InvalidInput("expires_at is in the past")
        grant = Grant(
            owner_agency_id=spec.owner_agency_id,
            grantee_agency_id=spec.grantee_agency_id,
            camera_id=spec.camera_id,
            tag=spec.tag.strip().lower() if spec.tag else None,
            level=spec.level,
            hours_start=spec.hours_start,
            hours_end=spec.hours_end,
            expires_at=spec.expires_at,
            note=spec.note,
            created_by=principal.user_id,
        )
        session.add(grant)
        session.flush()
        return grant

    def get(self, session: Session, principal: Principal, grant_id: int) -> Grant:
        """A grant the principal may see (owner or grantee side); otherwise 404."""
        grant = session.get(Grant, grant_id)
        if grant is None or not self._may_see(principal, grant):
            raise NotFound(f"grant {grant_id} not found")
        return grant

    def list_for(
        self, session: Session, principal: Principal, *, include_revoked: bool
    ) -> list[Grant]:
        """Grants where the principal's agency is owner or grantee (all, for global roles)."""
        stmt = select(Grant).order_by(Grant.id)
        if not include_revoked:
            stmt = stmt.where(Grant.revoked_at.is_(None))
        if not self._sees_all(principal):
            stmt = stmt.where(
                or_(
                    Grant.owner_agency_id == principal.agency_id,
                    Grant.grantee_agency_id == principal.agency_id,
                )
            )
        return list(session.scalars(stmt))

    def revoke(self, session: Session, principal: Principal, grant_id: int) -> Grant:
        """Revoke at once; the caller must announce it after committing (see `announce`)."""
        grant = self.get(session, principal, grant_id)
        ctx = AccessContext.of(principal)
        decision = decide_grant(
            ctx, GrantAction.REVOKE, grant.owner_agency_id, grant.grantee_agency_id
        )
        if not decision:
            raise Forbidden(decision.reason)
        if grant.revoked_at is None:
            grant.revoked_at = datetime.now(UTC)
        session.flush()
        return grant

    def announce(self, grant: Grant) -> None:
        """Tell running views that access towards the grantee changed."""
        self.events.publish(
            "access.changed",
            {
                "grant_id": grant.id,
                "owner_agency_id": grant.owner_agency_id,
                "grantee_agency_id": grant.grantee_agency_id,
            },
        )

    @staticmethod
    def _sees_all(principal: Principal) -> bool:
        return grants_all(AccessContext.of(principal))

    def _may_see(self, principal: Principal, grant: Grant) -> bool:
        ctx = AccessContext.of(principal)
        return bool(
            decide_grant(ctx, GrantAction.SEE, grant.owner_agency_id, grant.grantee_agency_id)
        )


def provincial_spec(center_id: int, note: str = PROVINCIAL_NOTE) -> GrantSpec:
    """The provincial agreement towards one command center: every agency's cameras, live.

    Never created implicitly (not when an agency is created, not at start-up): a system
    administrator gives it through `POST /api/v1/grants` (owner null) or `vms grants
    provincial`, and both audit it.
    """
    return GrantSpec(grantee_agency_id=center_id, level="live", owner_agency_id=None, note=note)
