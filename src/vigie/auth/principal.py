"""The authenticated caller of a request and what it may touch."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from vigie.auth.roles import ROLE_PERMISSIONS, Permission, Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    username: str
    role: Role
    #: None: every municipality. Otherwise the INSEE codes the user may read and write.
    municipalities: frozenset[str] | None
    token_kind: str = "session"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def may_touch(self, municipality_code: str) -> bool:
        return self.municipalities is None or municipality_code in self.municipalities

    def visible_municipalities(self, requested: Iterable[str] | None) -> tuple[str, ...] | None:
        """Narrow a requested set of municipalities to the user's scope (None = no limit)."""
        if self.municipalities is None:
            return tuple(requested) if requested is not None else None
        if requested is None:
            return tuple(sorted(self.municipalities))
        return tuple(code for code in requested if code in self.municipalities)

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        return self.username if self.token_kind == "session" else f"{self.username} (machine)"
