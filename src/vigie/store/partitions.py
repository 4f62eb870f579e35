"""Monthly partitions of `readings` on PostgreSQL (a no-op on SQLite).

Migration 0004 makes `readings` partitioned by range of `ts`, with a DEFAULT partition that
takes any reading whose month has no partition yet, so no insert is ever refused.
`ensure_partitions` creates the months a batch needs before it is inserted (the maintenance
runner also creates a few months ahead, so the ingest rarely pays for it); retention drops
whole months once they are entirely past the retention.

Partitions are named `readings_YYYY_MM` and cover [first of the month, first of the next)
in UTC.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

#: Months a process has seen existing, per engine: the common case costs no query at all.
_known: weakref.WeakKeyDictionary[Engine, set[datetime]] = weakref.WeakKeyDictionary()
_known_lock = threading.Lock()

#: New partitions one ingest batch may create (see `ensure_partitions_for`).
NEW_PER_BATCH = 2

_NAME = re.compile(r"^readings_(\d{4})_(\d{2})$")
#: pg_advisory_xact_lock key serialising partition changes between processes ("vigiepar").
_LOCK_KEY = 0x7669676965706172


def month_start(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return datetime(ts.year, ts.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    if month.month == 12:
        return month.replace(year=month.year + 1, month=1)
    return month.replace(month=month.month + 1)


def partition_name(month: datetime) -> str:
    return f"readings_{month.year:04d}_{month.month:02d}"


def ensure_partitions(conn: Connection, from_ts: datetime, to_ts: datetime) -> int:
    """Make sure every month from `from_ts` to `to_ts` (inclusive) has its partition; how many
    were created. Cheap when the months are known to exist: no query at all."""
    if conn.dialect.name != "postgresql":
        return 0
    return _ensure(conn, _months(from_ts, to_ts), limit=None)


def ensure_partitions_for(conn: Connection, timestamps: Iterable[datetime]) -> int:
    """The ingest's call, in its transaction before it inserts: make sure the months of these
    timestamps have their partitions; how many were created.

    Only the months that hold a timestamp, and at most `NEW_PER_BATCH` new ones (the latest):
    a batch stamped across decades by a device with a wrong clock must not create a partition
    per month in between. Readings of months left without one go to the DEFAULT partition."""
    if conn.dialect.name != "postgresql":
        return 0
    months = {month_start(ts) for ts in timestamps}
    return _ensure(conn, sorted(months), limit=NEW_PER_BATCH)


def _ensure(conn: Connection, months: list[datetime], limit: int | None) -> int:
    known = _known_months(conn.engine)
    missing = [m for m in months if m not in known]
    if not missing:
        return 0
    existing = existing_months(conn)
    # Only what the catalogue showed is remembered: a partition this transaction creates is
    # remembered on a later call, once committed, so a rollback cannot leave a false memory.
    with _known_lock:
        known.update(existing)
    to_create = [m for m in missing if m not in existing]
    if limit is not None:
        to_create = to_create[-limit:] if limit else []
    return sum(_create(conn, month) for month in to_create)


def existing_months(conn: Connection) -> set[datetime]:
    """The months that have a partition (PostgreSQL)."""
    names = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'readings'::regclass"
        )
    ).scalars()
    months = set()
    for name in names:
        found = _NAME.match(name)
        if found:
            months.add(datetime(int(found[1]), int(found[2]), 1, tzinfo=UTC))
    return months


def drop_months_before(conn: Connection, cutoff: datetime) -> list[str]:
    """Drop the partitions whose whole month ends at or before `cutoff`; their names."""
    if conn.dialect.name != "postgresql":
        return []
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    dropped = []
    for month in sorted(existing_months(conn)):
        if next_month(month) <= cutoff:
            name = partition_name(month)
            conn.exec_driver_sql(f"DROP TABLE {name}")
            dropped.append(name)
            known = _known_months(conn.engine)
            with _known_lock:
                known.discard(month)
    return dropped


def _months(from_ts: datetime, to_ts: datetime) -> list[datetime]:
    month, last = month_start(from_ts), month_start(to_ts)
    months = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _known_months(engine: Engine) -> set[datetime]:
    with _known_lock:
        return _known.setdefault(engine, set())


def _create(conn: Connection, month: datetime) -> int:
    """Create one month's partition, moving into it any of its rows the DEFAULT partition took
    meanwhile (PostgreSQL refuses a new partition whose rows sit in the default one)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    name = partition_name(month)
    if conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
        return 0  # another process made it while this one waited for the lock
    # Our own UTC instants, written as literals: DDL takes no bound parameters.
    start, end = f"'{month.isoformat()}'", f"'{next_month(month).isoformat()}'"
    stray = conn.exec_driver_sql(
        f"SELECT 1 FROM readings_default WHERE ts >= {start} AND ts < {end} LIMIT 1"
    ).first()
    if stray is None:
        conn.exec_driver_sql(
            f"CREATE TABLE {name} PARTITION OF readings FOR VALUES FROM ({start}) TO ({end})"
        )
        return 1
    conn.exec_driver_sql(f"CREATE TABLE {name} (LIKE readings INCLUDING DEFAULTS)")
    conn.exec_driver_sql(
        f"WITH moved AS (DELETE FROM readings_default WHERE ts >= {start} AND ts < {end} "
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    conn.exec_driver_sql(
        f"ALTER TABLE readings ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})"
    )
    return 1
