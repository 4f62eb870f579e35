"""Alarms and comments in the store: reads and conditional writes shared by the engine and
the operator actions. Writes happen in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.engine import Connection, Row

from vigie.alarms.model import Alarm, AlarmState, Comment
from vigie.store.schema import alarm_comments, alarms

_ID_CHUNK = 5_000


def to_alarm(row: Row[Any]) -> Alarm:
    return msgspec.convert(row, Alarm, from_attributes=True)


def to_row(alarm: Alarm) -> dict[str, Any]:
    row = msgspec.structs.asdict(alarm)
    del row["id"]
    return row


def fetch_alarms(conn: Connection, ids: Iterable[int], *, lock: bool = False) -> dict[int, Alarm]:
    """The alarms with these ids; `lock` holds their rows until the transaction ends
    (PostgreSQL; SQLite serialises writers anyway)."""
    wanted = sorted(set(ids))
    found: dict[int, Alarm] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        query = select(alarms).where(alarms.c.id.in_(wanted[start : start + _ID_CHUNK]))
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update((alarm.id, alarm) for alarm in map(to_alarm, conn.execute(query)))
    return found


def get_alarm(conn: Connection, alarm_id: int, *, lock: bool = False) -> Alarm | None:
    return fetch_alarms(conn, [alarm_id], lock=lock).get(alarm_id)


def not_closed(conn: Connection) -> list[Alarm]:
    query = select(alarms).where(alarms.c.state != AlarmState.CLOSED.value)
    return [to_alarm(row) for row in conn.execute(query)]


def not_closed_for(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Alarm]:
    """The alarm not closed of each (asset, rule), if any."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], Alarm] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[start : start + _ID_CHUNK]
        query = select(alarms).where(
            alarms.c.asset_id.in_(sorted({asset for asset, _ in chunk})),
            alarms.c.state != AlarmState.CLOSED.value,
        )
        keys_here = set(chunk)
        for alarm in map(to_alarm, conn.execute(query)):
            if (alarm.asset_id, alarm.rule_id) in keys_here:
                found[(alarm.asset_id, alarm.rule_id)] = alarm
    return found


def insert_alarms(conn: Connection, new: Sequence[Alarm]) -> list[Alarm]:
    """Insert alarms not closed (their `id` is ignored; at most one per asset and rule);
    the alarms with the ids the store gave them."""
    if not new:
        return []
    # A plain executemany, then one read by (asset, rule): RETURNING in parameter order
    # makes SQLite insert row by row, ten times slower for a thousand alarms.
    conn.execute(alarms.insert(), [to_row(a) for a in new])
    stored = not_closed_for(conn, [(a.asset_id, a.rule_id) for a in new])
    return [stored[(a.asset_id, a.rule_id)] for a in new]


# One statement for every save, with bound parameters: SQLAlchemy compiles it once (a
# statement built with .values(row) each time costs ~2 ms of compiling; this ~0.1 ms).
_SAVE = (
    alarms.update()
    .where(alarms.c.id == bindparam("where_id"), alarms.c.state == bindparam("where_state"))
    .values({c.name: bindparam(c.name) for c in alarms.columns if c.name != "id"})
)


def save_alarm(conn: Connection, alarm: Alarm, expected_state: AlarmState) -> bool:
    """Write `alarm` over its row if the row is still in `expected_state` (someone else may
    have acted on it meanwhile); whether it was written."""
    params = to_row(alarm)
    params["where_id"] = alarm.id
    params["where_state"] = expected_state.value
    return conn.execute(_SAVE, params).rowcount == 1


def due(conn: Connection, when: ColumnElement[bool]) -> list[Alarm]:
    return [to_alarm(row) for row in conn.execute(select(alarms).where(when).order_by(alarms.c.id))]


def children_of(
    conn: Connection, root_ids: Sequence[int], *, open_only: bool = False
) -> list[Alarm]:
    query = select(alarms).where(alarms.c.caused_by.in_(root_ids)).order_by(alarms.c.id)
    if open_only:
        query = query.where(alarms.c.state != AlarmState.CLOSED.value)
    return [to_alarm(row) for row in conn.execute(query)]


def add_comment(conn: Connection, alarm_id: int, at: datetime, author: str, text: str) -> Comment:
    comment_id = conn.execute(
        alarm_comments.insert()
        .values(alarm_id=alarm_id, at=at, author=author, text=text)
        .returning(alarm_comments.c.id)
    ).scalar_one()
    return Comment(id=comment_id, alarm_id=alarm_id, at=at, author=author, text=text)


def comments_of(conn: Connection, alarm_id: int) -> list[Comment]:
    rows = conn.execute(
        select(alarm_comments)
        .where(alarm_comments.c.alarm_id == alarm_id)
        .order_by(alarm_comments.c.id)
    )
    return [msgspec.convert(row, Comment, from_attributes=True) for row in rows]
