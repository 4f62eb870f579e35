"""Reading one series back: raw readings, or hourly / daily rollup rows, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from vigie.store.schema import readings, readings_daily, readings_hourly
from vigie.timeseries.sql import DAY, floor_day, hours_of

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
    oldest first (daily rows: one seek of the key per stored day, see `_stored_days`)."""
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
    if resolution == "day":
        days = _stored_days(conn, from_ts if after_ts is None else max(from_ts, after_ts), to_ts)
        if not days:
            return []
        query = query.where(table.c.bucket_start.in_(days))
    return [Bucket(*row) for row in conn.execute(query)]


def _stored_days(conn: Connection, from_ts: datetime, to_ts: datetime) -> list[datetime]:
    """The day starts of [from_ts, to_ts) within the days `readings_daily` holds. Its key
    leads with the day, so one series' days are found by one seek each; the range alone
    would scan every series of every day."""
    first = conn.execute(select(func.min(readings_daily.c.bucket_start))).scalar()
    last = conn.execute(select(func.max(readings_daily.c.bucket_start))).scalar()
    if first is None or last is None:
        return []
    day = max(floor_day(from_ts), first)
    days = []
    while day <= last and day < to_ts:
        days.append(day)
        day += DAY
    return days
