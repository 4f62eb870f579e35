"""The few SQL expressions that differ between SQLite and PostgreSQL in time-series queries.

Timestamps are `timestamptz` on PostgreSQL and integer microseconds since the epoch on SQLite
(see vigie.store.types.UtcDateTime), so bucketing and time differences are written per dialect;
every query binds its instants through `UtcDateTime`, which converts them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Select, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import CTE

from vigie.store.types import HOUR_US, MICROSECOND, micros

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Dialect:
    name: str

    def hour_of(self, column: str) -> str:
        """Start of the UTC hour holding `column`."""
        if self.name == "sqlite":
            return f"({column} - {column} % {HOUR_US})"
        return f"date_trunc('hour', {column}, 'UTC')"

    def hour_number(self, column: str) -> str:
        """`readings.ts_hour` of the instant in `column`: whole hours since the epoch."""
        if self.name == "sqlite":
            return f"({column} / {HOUR_US})"
        return f"(floor(EXTRACT(EPOCH FROM {column}) / 3600)::integer)"

    def hours_before(self, column: str, floor: str) -> str:
        """A condition: `column` is one of the hour starts from :window_start − 1 h back to
        the parameter `floor`, written so that each is one seek of a key that leads with it."""
        if self.name == "sqlite":
            return (
                f"{column} IN (WITH RECURSIVE back(b) AS (SELECT :window_start - {HOUR_US} "
                f"UNION ALL SELECT b - {HOUR_US} FROM back WHERE b > :{floor}) "
                "SELECT b FROM back)"
            )
        return (
            f"{column} = ANY(ARRAY(SELECT generate_series("
            "CAST(:window_start AS timestamptz) - interval '1 hour', "
            f"CAST(:{floor} AS timestamptz), interval '-1 hour')))"
        )

    def seconds(self, later: str, earlier: str) -> str:
        """`later - earlier`, in seconds, as a floating-point number."""
        if self.name == "sqlite":
            return f"((({later}) - ({earlier})) / 1000000.0)"
        return f"(EXTRACT(EPOCH FROM (({later}) - ({earlier})))::float8)"

    def micros(self, later: str, earlier: str) -> str:
        """`later - earlier`, in whole microseconds (an exact integer)."""
        if self.name == "sqlite":
            return f"(({later}) - ({earlier}))"
        return f"(EXTRACT(EPOCH FROM (({later}) - ({earlier}))) * 1000000)::bigint"


def dialect_of(conn: Connection) -> Dialect:
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database: {name}")
    return Dialect(name)


def floor_hour(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return ts.replace(minute=0, second=0, microsecond=0)


def floor_day(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)


def hour_number(ts: datetime) -> int:
    """`readings.ts_hour` of an instant: whole UTC hours since the Unix epoch."""
    return micros(ts) // HOUR_US


def hours_of(from_ts: datetime, to_ts: datetime) -> CTE:
    """The `readings.ts_hour` values that [from_ts, to_ts) spans, as a one-column (`h`)
    recursive CTE. `readings.c.ts_hour.in_(select(hours.c.h))` with the series' equalities
    makes one seek of the primary key per hour, where the series alone would scan them all."""
    first = hour_number(from_ts)
    last = max(first, hour_number(to_ts - MICROSECOND))
    hours = select(cast(literal(first), BigInteger).label("h")).cte("hours", recursive=True)
    return hours.union_all(select(hours.c.h + 1).where(hours.c.h < last))


def bucket_starts(d: Dialect, first: datetime, last: datetime, size: timedelta) -> Select[Any]:
    """The starts of the UTC buckets of `size` (an hour or a day) from the one holding `first`
    to the one holding `last`, as a one-column SELECT for `bucket_start.in_(…)`: with a key
    that leads with the bucket, one series' rows are then found by one seek per bucket."""
    size_us = micros(datetime(1970, 1, 1, tzinfo=UTC) + size)
    low, high = micros(first) // size_us, micros(last) // size_us
    numbers = select(cast(literal(low), BigInteger).label("n")).cte("buckets", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < high))
    if d.name == "sqlite":
        return select(numbers.c.n * size_us)
    return select(func.to_timestamp(numbers.c.n * (size_us // 1_000_000)))
