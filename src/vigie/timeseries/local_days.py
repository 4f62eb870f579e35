"""Days in local time (the territory's zone) for reports, summed from the hourly rollups.

The stored daily rollups are UTC days. A local day is a whole number of UTC hours (23, 24 or
25: France's offsets from UTC are whole hours), so summing the hourly rows from local midnight
to the next local midnight gives the local day exactly — increases of counters included, since
they are already attributed hour by hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from vigie.core.settings import local_zone
from vigie.store.types import UtcDateTime
from vigie.timeseries.rollups import hours_aggregate_sql

PARIS = local_zone()  # the territory's zone (VIGIE_TIMEZONE)


@dataclass(frozen=True)
class LocalDay:
    asset_id: str
    metric: str
    day: date
    start: datetime  # local midnight, in UTC
    reading_count: int
    min_value: float
    max_value: float
    sum_value: float
    first_ts: datetime
    first_value: float
    last_ts: datetime
    last_value: float
    increase: float | None

    @property
    def mean_value(self) -> float:
        return self.sum_value / self.reading_count


def day_bounds(day: date, zone: ZoneInfo = PARIS) -> tuple[datetime, datetime]:
    """The UTC instants of `day`'s local midnight and of the next one."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def local_days(
    conn: Connection,
    first_day: date,
    last_day: date,
    *,
    metrics: Sequence[str],
    asset_ids: Sequence[str] | None = None,
    zone: ZoneInfo = PARIS,
) -> list[LocalDay]:
    """One row per (series, local day) from `first_day` to `last_day` inclusive, for these
    metrics and (None: every asset) these assets; ordered by day, asset, metric. One query
    per day, each summing at most 25 hourly rows per series."""
    if not metrics or (asset_ids is not None and not asset_ids):
        return []
    series = "h.metric IN :metrics" + (" AND h.asset_id IN :asset_ids" if asset_ids else "")
    statement = (
        text(hours_aggregate_sql(":start", series))
        .bindparams(
            bindparam("start", type_=UtcDateTime()),
            bindparam("end", type_=UtcDateTime()),
            bindparam("metrics", expanding=True),
            *([bindparam("asset_ids", expanding=True)] if asset_ids else []),
        )
        .columns(first_ts=UtcDateTime(), last_ts=UtcDateTime())
    )
    found: list[LocalDay] = []
    day = first_day
    while day <= last_day:
        start, end = day_bounds(day, zone)
        params: dict[str, object] = {"start": start, "end": end, "metrics": list(metrics)}
        if asset_ids:
            params["asset_ids"] = list(asset_ids)
        rows = conn.execute(statement, params).mappings().all()
        found += sorted(
            (
                LocalDay(
                    asset_id=row["asset_id"],
                    metric=row["metric"],
                    day=day,
                    start=start,
                    reading_count=row["reading_count"],
                    min_value=row["min_value"],
                    max_value=row["max_value"],
                    sum_value=row["sum_value"],
                    first_ts=row["first_ts"],
                    first_value=row["first_value"],
                    last_ts=row["last_ts"],
                    last_value=row["last_value"],
                    increase=row["increase"],
                )
                for row in rows
            ),
            key=lambda d: (d.asset_id, d.metric),
        )
        day += timedelta(days=1)
    return found
