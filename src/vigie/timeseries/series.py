"""Reading one series back: raw readings, or hourly / daily rollup rows, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from vigie.store.schema import readings, readings_daily, readings_hourly
from vigie.store.types import MICROSECOND
from vigie.timeseries.sql import DAY, HOUR, bucket_starts, dialect_of, hours_of

RollupResolution = Literal["hour", "day"]

_TABLES: dict[RollupResolution, Table] = {"hour": readings_hourly, "day": readings_daily}


class RawPoint(NamedTuple):
    metric: str
    ts: datetime
    value: float | None
    text: str | None


class Bucket(NamedTuple):
    metric: str
    bucket_start: datetime
    reading_count: int
    min_value: float
    max_value: float
    sum_value: float
    first_ts: datetime
    first_value: float
    last_ts: datetime
    last_value: float
    increase: float | None


def raw_points(
    conn: Connection,
    asset_id: str,
    metric: str,
    from_ts: datetime,
    to_ts: datetime,
    *,
    after_ts: datetime | None = None,
    limit: int,
) -> list[RawPoint]:
    """Readings of one series in [from_ts, to_ts) after `after_ts`, oldest first (a range of
    the primary key in each hour)."""
    start = from_ts if after_ts is None else max(from_ts, after_ts)
    hours = hours_of(start, to_ts)
    query = (
        select(readings.c.metric, readings.c.ts, readings.c.value, readings.c.value_text)
        .where(
            readings.c.ts_hour.in_(select(hours.c.h)),
            readings.c.asset_id == asset_id,
            readings.c.metric == metric,
            readings.c.ts >= from_ts,
            readings.c.ts < to_ts,
        )
        .order_by(readings.c.ts)
        .limit(limit)
    )
    if after_ts is not None:
        query = query.where(readings.c.ts > after_ts)
    return [RawPoint(*row) for row in conn.execute(query)]


def buckets(
    conn: Connection,
    resolution: RollupResolution,
    asset_id: str,
    metric: str,
    from_ts: datetime,
    to_ts: datetime,
    *,
    after_ts: datetime | None = None,
    limit: int,
) -> list[Bucket]:
    """Rollup rows of one series whose bucket starts in [from_ts, to_ts) after `after_ts`,
    oldest first."""
    table = _TABLES[resolution]
    query = (
        select(
            table.c.metric,
            table.c.bucket_start,
            table.c.reading_count,
            table.c.min_value,
            table.c.max_value,
            table.c.sum_value,
            table.c.first_ts,
            table.c.first_value,
            table.c.last_ts,
            table.c.last_value,
            table.c.increase,
        )
        .where(
            table.c.asset_id == asset_id,
            table.c.metric == metric,
            table.c.bucket_start >= from_ts,
            table.c.bucket_start < to_ts,
        )
        .order_by(table.c.bucket_start)
        .limit(limit)
    )
    if after_ts is not None:
        query = query.where(table.c.bucket_start > after_ts)
    bounds = _stored_range(
        conn, table, from_ts if after_ts is None else max(from_ts, after_ts), to_ts
    )
    if bounds is None:
        return []
    size = HOUR if resolution == "hour" else DAY
    starts = bucket_starts(dialect_of(conn), bounds[0], bounds[1], size)
    query = query.where(table.c.bucket_start.in_(starts))
    return [Bucket(*row) for row in conn.execute(query)]


def _stored_range(
    conn: Connection, table: Table, from_ts: datetime, to_ts: datetime
) -> tuple[datetime, datetime] | None:
    """The part of [from_ts, to_ts) the table holds buckets in (its first and last bucket
    start within it, or None): the rollup tables are keyed by bucket first, and a series is
    read by one seek per bucket of this range (`sql.bucket_starts`)."""
    first = conn.execute(select(func.min(table.c.bucket_start))).scalar()
    last = conn.execute(select(func.max(table.c.bucket_start))).scalar()
    if first is None or last is None:
        return None
    low = max(first, from_ts)
    high = min(last, to_ts - MICROSECOND)
    return (low, high) if low <= high else None
