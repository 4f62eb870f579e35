"""Retention of raw readings: past `VIGIE_RAW_RETENTION_DAYS` (30 by default) they are
deleted; the hourly and daily rollups are kept.

Raw readings are never deleted while an hour that needs them waits to be rolled up: the cut
stays two hours before the oldest pending hour (recomputing an hour reads the hour before it,
and a pending hour recomputes its neighbours). On PostgreSQL, months that lie entirely before
the cut are dropped as whole partitions, the rest is deleted row by row; on SQLite rows are
deleted, never the newest one (its rowid is the harvest watermark, see `pending`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from vigie.core.settings import load_settings
from vigie.store.partitions import drop_months_before
from vigie.store.types import UtcDateTime
from vigie.timeseries import pending
from vigie.timeseries.sql import HOUR, floor_hour

DEFAULT_RAW_RETENTION_DAYS = 30

_WATERMARK_ROWID = (
    "(SELECT coalesce(max(position), 0) FROM timeseries_watermarks WHERE name = :mark)"
)
RETENTION_VARIABLE = "VIGIE_RAW_RETENTION_DAYS"


def raw_retention_days() -> int:
    """`VIGIE_RAW_RETENTION_DAYS`, or 30 (read now: callers that hold the settings pass
    `retention_days` instead)."""
    return load_settings().raw_retention_days


@dataclass
class PruneReport:
    cutoff: datetime | None = None  # raw readings before this are gone
    deleted_rows: int = 0
    dropped_partitions: list[str] = field(default_factory=list)
    more: bool = False  # this call stopped at `max_span`; call again


def prune(
    conn: Connection,
    now: datetime,
    *,
    retention_days: int | None = None,
    max_span: timedelta | None = None,
) -> PruneReport:
    """Delete the raw readings older than the retention whose hours are rolled up; in the
    caller's transaction. `max_span` bounds how much time one call deletes (oldest first), so
    a large backlog is deleted in several short transactions."""
    days = raw_retention_days() if retention_days is None else retention_days
    report = PruneReport()
    pending.harvest(conn)
    cutoff = floor_hour(now - timedelta(days=days))
    oldest_pending = pending.oldest_pending(conn, "hour")
    if oldest_pending is not None:
        cutoff = min(cutoff, oldest_pending - 2 * HOUR)
    # From here on, raw readings before `cutoff` may be gone: no rollup may recompute hours
    # that need them (see rollups._recompute_hours).
    pending.set_pruned_before(conn, cutoff)
    # Whole months first, whatever `max_span` says: dropping a partition costs next to nothing.
    report.dropped_partitions = drop_months_before(conn, cutoff)
    if max_span is not None:
        oldest = _oldest_reading(conn)
        limit = floor_hour(oldest) + max(max_span, HOUR) if oldest is not None else cutoff
        if limit < cutoff:
            cutoff, report.more = limit, True
    report.deleted_rows = _delete_before(conn, cutoff)
    report.cutoff = cutoff
    return report


def _oldest_reading(conn: Connection) -> datetime | None:
    """The oldest reading retention may delete (on SQLite, the newest row never is)."""
    guard = " WHERE rowid < " + _WATERMARK_ROWID if conn.dialect.name == "sqlite" else ""
    found: datetime | None = conn.execute(
        text(f"SELECT min(ts) AS oldest FROM readings{guard}").columns(oldest=UtcDateTime()),
        {"mark": pending.READINGS_ROWID},
    ).scalar()
    return found


def _delete_before(conn: Connection, cutoff: datetime) -> int:
    if conn.dialect.name == "sqlite":
        statement = text(f"DELETE FROM readings WHERE ts < :cutoff AND rowid < {_WATERMARK_ROWID}")
        params = {"cutoff": cutoff, "mark": pending.READINGS_ROWID}
    else:
        statement = text("DELETE FROM readings WHERE ts < :cutoff")
        params = {"cutoff": cutoff}
    result = conn.execute(statement.bindparams(bindparam("cutoff", type_=UtcDateTime())), params)
    return max(result.rowcount, 0)
