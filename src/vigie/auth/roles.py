"""Roles and the permissions each grants."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    MUNICIPAL_AGENT = "municipal_agent"
    VIEWER = "viewer"
    #: Field devices and gateways: report telemetry, read nothing.
    DEVICE = "device"


class Permission(StrEnum):
    ASSETS_READ = "assets.read"
    ASSETS_CREATE = "assets.create"
    ASSETS_UPDATE = "assets.update"
    ASSETS_RETIRE = "assets.retire"
    MUNICIPALITIES_MANAGE = "municipalities.manage"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    TELEMETRY_WRITE = "telemetry.write"
    TELEMETRY_READ_REJECTED = "telemetry.read_rejected"
    ALARMS_READ = "alarms.read"
    #: Acknowledge, shelve, comment and close alarms (within the user's municipalities).
    ALARMS_ACT = "alarms.act"
    COMMANDS_READ = "commands.read"
    #: Send commands to devices (within the user's municipalities).
    COMMANDS_SEND = "commands.send"
    #: Define lighting programmes, groups and calendar exceptions.
    LIGHTING_MANAGE = "lighting.manage"


_EVERYONE = frozenset({Permission.ASSETS_READ, Permission.ALARMS_READ, Permission.COMMANDS_READ})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: _EVERYONE
    | {
        Permission.ASSETS_CREATE,
        Permission.ASSETS_UPDATE,
        Permission.ASSETS_RETIRE,
        Permission.AUDIT_READ,
        Permission.TELEMETRY_READ_REJECTED,
        Permission.ALARMS_ACT,
        Permission.COMMANDS_SEND,
        Permission.LIGHTING_MANAGE,
    },
    Role.OPERATOR: _EVERYONE
    | {Permission.TELEMETRY_READ_REJECTED, Permission.ALARMS_ACT, Permission.COMMANDS_SEND},
    # Technicians close the loop on repairs: they change an asset's status and attributes.
    Role.TECHNICIAN: _EVERYONE | {Permission.ASSETS_UPDATE, Permission.ALARMS_ACT},
    # Municipal staff keep their own municipality's inventory (and only theirs: see scope).
    Role.MUNICIPAL_AGENT: _EVERYONE
    | {
        Permission.ASSETS_CREATE,
        Permission.ASSETS_UPDATE,
        Permission.ALARMS_ACT,
        Permission.COMMANDS_SEND,
    },
    Role.VIEWER: _EVERYONE,
    Role.DEVICE: frozenset({Permission.TELEMETRY_WRITE}),
}

#: Roles that only make sense tied to some municipalities.
ROLES_NEEDING_SCOPE = frozenset({Role.MUNICIPAL_AGENT})
