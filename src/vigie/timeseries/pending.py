"""Which buckets wait to be rolled up, and the watermarks of the time series.

A bucket is *pending* while `rollup_pending` holds a mark for it. Marks are only ever inserted
(never updated), so writers never wait on each other or on a rollup, and a rollup claims marks
by deleting them in its own transaction (`DELETE … RETURNING`): a mark committed before the
claim is recomputed by that rollup, whose later statements see the readings committed with it;
a mark committed after the claim stays for the next run. A failed rollup rolls its claim back.

Where hour marks come from:
- PostgreSQL: a statement-level trigger on `readings` (migration 0004) marks the hours of the
  rows each INSERT adds, whoever the writer is;
- SQLite: a trigger would run once per row and halve the insert rate, so `harvest` instead reads
  the readings appended since the last harvest by their rowid (SQLite hands out increasing
  rowids, and retention never deletes the newest one) and marks their hours.
Day marks are written by the hourly rollup for the days of the hours it recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.engine import Connection

from vigie.store.schema import rollup_pending, timeseries_watermarks
from vigie.store.types import UtcDateTime
from vigie.timeseries.sql import dialect_of

Resolution = Literal["hour", "day"]

#: The rowid of the newest reading already marked (SQLite only).
READINGS_ROWID = "readings_rowid"
#: Raw readings before this instant may have been deleted by retention.
RAW_PRUNED_BEFORE = "raw_pruned_before"


def harvest(conn: Connection) -> int:
    """Mark the hours of readings appended since the last harvest (SQLite); how many hours.
    On PostgreSQL the trigger has marked them already: nothing to do."""
    if conn.dialect.name != "sqlite":
        return 0
    dialect = dialect_of(conn)
    since = _position(conn, READINGS_ROWID)
    newest = conn.exec_driver_sql("SELECT max(rowid) FROM readings").scalar() or 0
    if newest < since:
        # Rowids were renumbered (a VACUUM): whatever is in the table may be unmarked.
        since = 0
    rows = conn.execute(
        text(
            f"SELECT {dialect.hour_of('ts')} AS hour, max(rowid) AS top FROM readings "
            "WHERE rowid > :since GROUP BY 1"
        ).columns(hour=UtcDateTime()),
        {"since": since},
    ).all()
    if not rows:
        return 0
    mark(conn, "hour", (row.hour for row in rows))
    _set_watermark(conn, READINGS_ROWID, position=max(row.top for row in rows))
    return len(rows)


def mark(conn: Connection, resolution: Resolution, bucket_starts: Iterable[datetime]) -> None:
    """Ask for these buckets to be (re)computed by the next rollup."""
    rows = [{"resolution": resolution, "bucket_start": b} for b in sorted(set(bucket_starts))]
    if rows:
        conn.execute(insert(rollup_pending), rows)


def claim(
    conn: Connection,
    resolution: Resolution,
    from_ts: datetime | None,
    to_ts: datetime | None,
    limit: int | None = None,
) -> list[datetime]:
    """Take (delete) the marks of up to `limit` pending buckets starting in [from_ts, to_ts),
    oldest first; the buckets, sorted. Runs in the caller's transaction."""
    where = [rollup_pending.c.resolution == resolution]
    if from_ts is not None:
        where.append(rollup_pending.c.bucket_start >= from_ts)
    if to_ts is not None:
        where.append(rollup_pending.c.bucket_start < to_ts)
    if limit is not None:
        oldest = (
            select(rollup_pending.c.bucket_start)
            .where(*where)
            .distinct()
            .order_by(rollup_pending.c.bucket_start)
            .limit(limit)
        )
        where.append(rollup_pending.c.bucket_start.in_(oldest.scalar_subquery()))
    claimed = conn.execute(
        delete(rollup_pending).where(*where).returning(rollup_pending.c.bucket_start)
    ).scalars()
    return sorted(set(claimed))


def marked(
    conn: Connection, resolution: Resolution, bucket_starts: Iterable[datetime]
) -> list[datetime]:
    """Which of these buckets are pending."""
    wanted = sorted(set(bucket_starts))
    if not wanted:
        return []
    found = conn.scalars(
        select(rollup_pending.c.bucket_start)
        .where(
            rollup_pending.c.resolution == resolution,
            rollup_pending.c.bucket_start.in_(wanted),
        )
        .distinct()
    )
    return list(found)


def oldest_pending(conn: Connection, resolution: Resolution) -> datetime | None:
    found: datetime | None = conn.scalar(
        select(rollup_pending.c.bucket_start)
        .where(rollup_pending.c.resolution == resolution)
        .order_by(rollup_pending.c.bucket_start)
        .limit(1)
    )
    return found


def pruned_before(conn: Connection) -> datetime | None:
    found: datetime | None = conn.scalar(
        select(timeseries_watermarks.c.at).where(timeseries_watermarks.c.name == RAW_PRUNED_BEFORE)
    )
    return found


def set_pruned_before(conn: Connection, at: datetime) -> None:
    current = pruned_before(conn)
    if current is None or at > current:
        _set_watermark(conn, RAW_PRUNED_BEFORE, at=at)


def _position(conn: Connection, name: str) -> int:
    found: int | None = conn.scalar(
        select(timeseries_watermarks.c.position).where(timeseries_watermarks.c.name == name)
    )
    return found or 0


def _set_watermark(
    conn: Connection, name: str, *, position: int | None = None, at: datetime | None = None
) -> None:
    values = {"position": position, "at": at}
    changed = conn.execute(
        update(timeseries_watermarks)
        .where(timeseries_watermarks.c.name == bindparam("key"))
        .values(values),
        {"key": name},
    ).rowcount
    if not changed:
        conn.execute(insert(timeseries_watermarks).values(name=name, **values))
