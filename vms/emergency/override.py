"""The emergency override as the access decision sees it: a plain value, judged by time.

A declaration in force widens `vms.access.decide` for the empowered principals (the governor's
office; the command center if the declaration includes it) on the cameras in its scope. Expiry
is a comparison of `now` with `ends_at`, never a timer, so a crash cannot leave it granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from vms.auth.principal import Principal
from vms.auth.roles import EMERGENCY_COMMAND_CENTER_ROLES, EMERGENCY_PERMISSIONS, Permission


class ScopedCamera(Protocol):
    """What the scope test needs to know about a camera."""

    @property
    def agency_id(self) -> int: ...

    @property
    def tags(self) -> Sequence[str] | None: ...


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Override:
    """One declaration: in force while `state` is active and `starts_at <= now < ends_at`.

    `scope_all` covers every camera; otherwise a camera is in scope if its agency is listed or
    it carries one of the tags. `command_center_agency_ids` are the agencies of kind
    command_center, whose command-center roles are empowered when `include_command_center`.
    """

    id: int
    state: str
    starts_at: datetime | None
    ends_at: datetime | None
    scope_all: bool
    agency_ids: frozenset[int] = frozenset()
    tags: frozenset[str] = frozenset()
    include_command_center: bool = False
    command_center_agency_ids: frozenset[int] = frozenset()

    def in_force(self, now: datetime) -> bool:
        if self.state != "active" or self.starts_at is None or self.ends_at is None:
            return False
        return _utc(self.starts_at) <= _utc(now) < _utc(self.ends_at)

    def empowers(self, principal: Principal) -> bool:
        """The governor's office (the declare permission), and the command center if asked."""
        if principal.can(Permission.DECLARE_EMERGENCY):
            return True
        return (
            self.include_command_center
            and principal.agency_id in self.command_center_agency_ids
            and principal.role in EMERGENCY_COMMAND_CENTER_ROLES
        )

    def in_scope(self, camera: ScopedCamera) -> bool:
        if self.scope_all or camera.agency_id in self.agency_ids:
            return True
        return bool(self.tags.intersection(camera.tags or ()))

    def applies(self, principal: Principal, permission: Permission, now: datetime) -> bool:
        """Whether the override widens `permission` for `principal` at `now` (camera aside)."""
        return (
            permission in EMERGENCY_PERMISSIONS and self.in_force(now) and self.empowers(principal)
        )
