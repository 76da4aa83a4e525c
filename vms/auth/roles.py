"""Permissions and the roles that bundle them: the one table that says what each role may do.

A role's permissions apply to the user's own agency, to cameras other agencies share with it
(within the grant's level), or - for the system administrator only - to every agency.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """One kind of action a principal may be allowed to take."""

    VIEW_LIVE = "view_live"
    VIEW_RECORDINGS = "view_recordings"
    CONTROL = "control"
    EXPORT = "export"
    MANAGE_CAMERAS = "manage_cameras"
    MANAGE_USERS = "manage_users"
    MANAGE_SHARING = "manage_sharing"
    DECLARE_EMERGENCY = "declare_emergency"
    VIEW_AUDIT = "view_audit"
    VIEW_COVERAGE = "view_coverage"
    KEEP_WATCH = "keep_watch"
    VIEW_METRICS = "view_metrics"  # /metrics: the system administrator only (or its token)
    PUSH_WALLS = "push_walls"


class Role(StrEnum):
    """What a person does in the system; each maps to a fixed permission set."""

    OPERATOR = "operator"
    DESK_OFFICER = "desk_officer"
    AGENCY_ADMIN = "agency_admin"
    SUPERVISOR = "supervisor"
    GOVERNOR = "governor"
    SYSTEM_ADMIN = "system_admin"
    # the national system's account: live and recorded video of the central-linked cameras
    # (the national 20 % selection) of every agency, read-only, nothing else
    NATIONAL = "national"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # CONTROL (PTZ): own agency's cameras, shared ones under a control-level grant, and every
    # camera a command center sees for its operators (vms.access.decide_ptz)
    Role.OPERATOR: frozenset({P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.KEEP_WATCH}),
    Role.DESK_OFFICER: frozenset(
        {P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.EXPORT, P.KEEP_WATCH}
    ),
    Role.AGENCY_ADMIN: frozenset(
        {
            P.VIEW_LIVE,
            P.VIEW_RECORDINGS,
            P.CONTROL,
            P.EXPORT,
            P.MANAGE_CAMERAS,
            P.MANAGE_USERS,
            P.MANAGE_SHARING,
            P.VIEW_AUDIT,
            P.VIEW_COVERAGE,
            P.PUSH_WALLS,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.VIEW_LIVE,
            P.VIEW_RECORDINGS,
            P.CONTROL,
            P.EXPORT,
            P.VIEW_AUDIT,
            P.VIEW_COVERAGE,
            P.PUSH_WALLS,
        }
    ),
    Role.GOVERNOR: frozenset(
        {P.VIEW_LIVE, P.VIEW_RECORDINGS, P.DECLARE_EMERGENCY, P.VIEW_COVERAGE}
    ),
    Role.SYSTEM_ADMIN: frozenset(Permission),
    Role.NATIONAL: frozenset({P.VIEW_LIVE, P.VIEW_RECORDINGS}),
}

# Roles that see exactly the central-linked cameras of every agency (vms.access.decide).
CENTRAL_LINK_ROLES: frozenset[Role] = frozenset({Role.NATIONAL})
# Roles whose permissions reach every agency's objects, not only their own and shared ones.
GLOBAL_ROLES: frozenset[Role] = frozenset({Role.SYSTEM_ADMIN})
# Roles whose audit view covers every agency (the command-center supervisor: "everything").
AUDIT_ALL_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN})
# Roles an agency administrator may give to the people of their own agency.
AGENCY_ASSIGNABLE: frozenset[Role] = frozenset(
    {Role.OPERATOR, Role.DESK_OFFICER, Role.AGENCY_ADMIN}
)
# Roles that verify the whole audit chain (it spans every agency), beside the global roles.
AUDIT_VERIFY_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR})
# Roles that read every station's watch coverage, beside the global roles.
COVERAGE_ALL_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.GOVERNOR})
# Roles that steer every agency's walls (the command center); others push to their own only.
WALL_ALL_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN})

# Camera permissions a sharing level carries; each level includes the ones before it.
SHARE_LEVELS: dict[str, frozenset[Permission]] = {
    "live": frozenset({P.VIEW_LIVE}),
    "recordings": frozenset({P.VIEW_LIVE, P.VIEW_RECORDINGS}),
    "control": frozenset({P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL}),
    "export": frozenset({P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.EXPORT}),
}

# PTZ control (vms.access.decide_ptz): who may steer which camera, and in which standing.
# A command center's roles that steer every camera the command center sees.
PTZ_COMMAND_CENTER_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.OPERATOR})
# Which standing (a priority class, numbered in the [ptz] config) each case gives.
PTZ_SUPERVISOR_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR})
PTZ_AGENCY_ADMIN_ROLES: frozenset[Role] = frozenset({Role.AGENCY_ADMIN})
# What the governor's emergency override grants, for cameras in its scope, on every agency.
EMERGENCY_PERMISSIONS: frozenset[Permission] = frozenset(
    {P.VIEW_LIVE, P.VIEW_RECORDINGS, P.CONTROL, P.EXPORT}
)
# Command-center roles the override empowers when a declaration includes the command center.
EMERGENCY_COMMAND_CENTER_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.OPERATOR})
# Data-use requests (vms.access.decide_data_request): who approves for an owning agency, and
# who of the working group's agency belongs to the provincial working group.
EVIDENCE_APPROVER_ROLES: frozenset[Role] = frozenset({Role.AGENCY_ADMIN})
