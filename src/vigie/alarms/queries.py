"""Listing alarms for the console: filters, newest first, paged by id."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from vigie.alarms.model import Alarm
from vigie.alarms.store import to_alarm
from vigie.store.schema import alarms


class AlarmFilter(msgspec.Struct, frozen=True, kw_only=True):
    """`None` means no restriction on that field."""

    states: tuple[str, ...] | None = None
    severities: tuple[str, ...] | None = None
    municipality_codes: tuple[str, ...] | None = None
    asset_id: str | None = None
    rule_ids: tuple[str, ...] | None = None
    top_level_only: bool = False
    caused_by: int | None = None


def _where(query: Select[Any], where: AlarmFilter) -> Select[Any]:
    c = alarms.c
    if where.states is not None:
        query = query.where(c.state.in_(where.states))
    if where.severities is not None:
        query = query.where(c.severity.in_(where.severities))
    if where.municipality_codes is not None:
        query = query.where(c.municipality_code.in_(where.municipality_codes))
    if where.asset_id is not None:
        query = query.where(c.asset_id == where.asset_id)
    if where.rule_ids is not None:
        query = query.where(c.rule_id.in_(where.rule_ids))
    if where.top_level_only:
        query = query.where(c.caused_by.is_(None))
    if where.caused_by is not None:
        query = query.where(c.caused_by == where.caused_by)
    return query


def list_alarms(
    conn: Connection, where: AlarmFilter, *, before_id: int | None = None, limit: int = 100
) -> list[Alarm]:
    """Matching alarms, newest first, starting below `before_id` (cursor paging)."""
    query = _where(select(alarms), where).order_by(alarms.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(alarms.c.id < before_id)
    return [to_alarm(row) for row in conn.execute(query)]


def count_alarms(conn: Connection, where: AlarmFilter) -> int:
    return int(conn.scalar(_where(select(func.count()).select_from(alarms), where)) or 0)
