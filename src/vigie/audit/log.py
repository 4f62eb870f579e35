"""Write and read audit entries; writes happen in the caller's transaction, so a change and
its audit entry are committed together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.store.schema import audit_log


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int | None = None
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: str | None = None


def record(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    if not entries:
        return
    rows = [msgspec.structs.asdict(e) for e in entries]
    for row in rows:
        del row["id"]
    for start in range(0, len(rows), 5_000):
        conn.execute(audit_log.insert(), rows[start : start + 5_000])


def entries_for(
    conn: Connection,
    *,
    entity_id: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; `before_id` pages backwards."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if entity_id is not None:
        query = query.where(audit_log.c.entity_id == entity_id)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [AuditEntry(**row._mapping) for row in conn.execute(query)]
