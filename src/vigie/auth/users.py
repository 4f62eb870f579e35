"""User accounts: creation (audited), lookup, and password authentication."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.audit.log import AuditEntry, record
from vigie.auth.passwords import DUMMY_HASH, hash_password, verify_password
from vigie.auth.principal import Principal
from vigie.auth.roles import ROLES_NEEDING_SCOPE, Role
from vigie.store.schema import municipalities, user_municipalities, users


class UserError(ValueError):
    """A user could not be created as asked; the message says why."""


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    municipalities: tuple[str, ...]
    created_at: datetime


def add_user(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: Role,
    municipality_codes: Iterable[str] = (),
    display_name: str | None = None,
    actor: str,
    now: datetime,
) -> User:
    """Create a user; municipality codes limit its scope (none = the whole metropolis)."""
    username = username.strip()
    codes = tuple(sorted(set(municipality_codes)))
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise UserError("a username is 1 to 80 characters without spaces")
    if conn.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    if role in ROLES_NEEDING_SCOPE and not codes:
        raise UserError(f"a {role.value} must be limited to at least one municipality")
    known = set(conn.scalars(select(municipalities.c.code).where(municipalities.c.code.in_(codes))))
    if unknown := sorted(set(codes) - known):
        raise UserError(f"unknown municipality code(s): {', '.join(unknown)}")
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise UserError(str(error)) from None
    user_id = conn.execute(
        users.insert()
        .values(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            role=role.value,
            active=True,
            created_at=now,
        )
        .returning(users.c.id)
    ).scalar_one()
    if codes:
        conn.execute(
            user_municipalities.insert(),
            [{"user_id": user_id, "municipality_code": code} for code in codes],
        )
    user = User(
        id=user_id,
        username=username,
        display_name=display_name or username,
        role=role,
        active=True,
        municipalities=codes,
        created_at=now,
    )
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action="user.create",
                entity_type="User",
                entity_id=username,
                after=msgspec.to_builtins(user),
            )
        ],
    )
    return user


def user_scope(conn: Connection, user_id: int) -> frozenset[str] | None:
    codes = frozenset(
        conn.scalars(
            select(user_municipalities.c.municipality_code).where(
                user_municipalities.c.user_id == user_id
            )
        )
    )
    return codes or None


def list_users(conn: Connection) -> list[User]:
    result = []
    for row in conn.execute(select(users).order_by(users.c.username)):
        scope = user_scope(conn, row.id)
        result.append(
            User(
                id=row.id,
                username=row.username,
                display_name=row.display_name,
                role=Role(row.role),
                active=row.active,
                municipalities=tuple(sorted(scope or ())),
                created_at=row.created_at,
            )
        )
    return result


def authenticate(conn: Connection, username: str, password: str) -> Principal | None:
    """The principal for a correct username and password of an active user, else None."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    return Principal(
        user_id=row.id,
        username=row.username,
        role=Role(row.role),
        municipalities=user_scope(conn, row.id),
    )
