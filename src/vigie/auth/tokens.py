"""Opaque bearer tokens: session tokens from a login, long-lived machine tokens from the CLI.

Only a SHA-256 of each token is stored; the token itself is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.auth.principal import Principal
from vigie.auth.roles import Role
from vigie.auth.users import user_scope
from vigie.store.schema import api_tokens, users

TOKEN_PREFIX = "vigie_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    conn: Connection,
    *,
    user_id: int,
    kind: str,
    name: str,
    now: datetime,
    lifetime: timedelta | None,
) -> tuple[str, datetime | None]:
    """A new token (shown once) and its expiry; `lifetime=None` never expires (machines)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + lifetime if lifetime is not None else None
    conn.execute(
        api_tokens.insert().values(
            token_sha256=_digest(token),
            user_id=user_id,
            kind=kind,
            name=name,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def principal_for_token(conn: Connection, token: str, now: datetime) -> Principal | None:
    """Who holds this token, if it is known, unexpired, unrevoked and its user active."""
    row = conn.execute(
        select(
            api_tokens.c.kind,
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
            users.c.id,
            users.c.username,
            users.c.role,
            users.c.active,
        )
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_sha256 == _digest(token))
    ).first()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return Principal(
        user_id=row.id,
        username=row.username,
        role=Role(row.role),
        municipalities=user_scope(conn, row.id),
        token_kind=row.kind,
    )


def revoke_token(conn: Connection, token: str, now: datetime) -> bool:
    result = conn.execute(
        api_tokens.update()
        .where(api_tokens.c.token_sha256 == _digest(token), api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0
