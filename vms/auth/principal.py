"""Who is asking: the signed-in user (or integration) behind one request or one live view."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from vms.auth.roles import GLOBAL_ROLES, ROLE_PERMISSIONS, Permission, Role

if TYPE_CHECKING:
    from vms.access import GrantRule

Via = Literal["session", "bearer", "api_token"]


@dataclass(frozen=True, slots=True)
class Principal:
    """A user acting through one credential.

    `permissions` is the role's set narrowed by an API token's scope; `grants` are the active
    sharing agreements towards the user's agency, loaded with the principal so that
    `vms.access.decide` needs nothing else.
    """

    user_id: int
    username: str
    display_name: str
    agency_id: int
    role: Role
    permissions: frozenset[Permission]
    via: Via = "session"
    credential_id: int | None = None
    client_addr: str | None = None
    grants: tuple[GrantRule, ...] = field(default=())

    @property
    def is_global(self) -> bool:
        """True for roles that reach every agency (the system administrator)."""
        return self.role in GLOBAL_ROLES

    def can(self, permission: Permission) -> bool:
        """Whether the role (and token scope) carries `permission` at all."""
        return permission in self.permissions

    def with_grants(self, grants: tuple[GrantRule, ...]) -> Principal:
        """The same principal with freshly loaded grants (used when grants change)."""
        return replace(self, grants=grants)


def permissions_for(
    role: Role, scope: frozenset[Permission] | None = None
) -> frozenset[Permission]:
    """The role's permissions, narrowed to `scope` when the credential is a scoped token."""
    granted = ROLE_PERMISSIONS[role]
    return granted if scope is None else granted & scope
