"""Hourly and daily rollups of the raw readings, recomputed bucket by bucket.

Each rollup row holds, for one (asset or meter, metric, UTC bucket), the count, minimum,
maximum, sum (mean = sum / count), first and last value with their times of the numeric
readings in the bucket (booleans count as 0/1; enums and text are not rolled up), and for
counters (`counter_metrics()`) the increase over the bucket.

The counter increase rule
-------------------------
The increase of a counter is made of the advances between consecutive readings (t0, v0) and
(t1, v1) of the same series:

- advance = v1 - v0; when the value drops (v1 < v0) the counter was reset (device replaced or
  restarted from zero), and the advance is v1 — what it counted since restarting — never a
  negative number. What it counted between t0 and the reset is lost (one interval at most).
- the advance belongs to the time between the two readings. When they lie in two adjacent
  hours and at most `MAX_SPLIT` apart, it is split pro rata in time at the hour boundary;
  otherwise (the same hour, or a silence longer than `MAX_SPLIT`, after which nobody knows when
  the energy was used) it all goes to the hour of the later reading, t1.
- a series' first reading ever only sets the base: nothing before it is known.
So the increases of consecutive hours add up exactly to the counter's own advance (resets
aside), and days — sums of their 24 hours — too. No rows are made for hours without readings.
`power_w` is not integrated: every light, cabinet and meter has an energy counter, which is the
contractual measure, where an integral of power sampled every 15 minutes misses the switching
in between.

Incremental and idempotent
--------------------------
`roll_up` takes the pending marks (see `pending`) and recomputes each marked hour, replacing
whatever rows it had, then those of its neighbours whose increase it changed (a new first or
last reading changes how the advance across the boundary is split); then it recomputes the
days of those hours from the hourly rows. Everything is set-based SQL (INSERT … SELECT …
GROUP BY with window functions), the same results on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, text
from sqlalchemy.engine import Connection

from vigie.store.schema import readings_daily, readings_hourly
from vigie.store.types import UtcDateTime
from vigie.timeseries import pending
from vigie.timeseries.counters import counter_metrics
from vigie.timeseries.sql import DAY, HOUR, Dialect, dialect_of, floor_day

#: Longest gap between two counter readings whose advance is split across an hour boundary.
MAX_SPLIT = HOUR
#: How far back a recomputed hour searches a counter's value before a silence, when
#: `counter_latest_hours` cannot tell (see `_hourly_sql`).
LOOKBACK = timedelta(days=92)
#: The part of it searched first: a counter reporting daily is found there.
NEAR_LOOKBACK = timedelta(days=2)

RESOLUTIONS: tuple[pending.Resolution, ...] = ("hour", "day")

ROLLUP_COLUMNS = (
    "asset_id, metric, bucket_start, reading_count, min_value, max_value, sum_value, "
    "first_ts, first_value, last_ts, last_value, increase"
)


@dataclass
class RollupReport:
    hours: int = 0  # hourly buckets recomputed (marked ones and their neighbours)
    days: int = 0
    hourly_rows: int = 0
    daily_rows: int = 0
    deferred: int = 0  # hours left marked for the next step (see `staged`)

    def add(self, other: RollupReport) -> None:
        self.hours += other.hours
        self.days += other.days
        self.hourly_rows += other.hourly_rows
        self.daily_rows += other.daily_rows
        self.deferred = other.deferred


def roll_up(
    conn: Connection,
    from_ts: datetime | None = None,
    to_ts: datetime | None = None,
    *,
    resolutions: Sequence[pending.Resolution] = RESOLUTIONS,
    max_buckets: int | None = None,
) -> RollupReport:
    """Recompute the pending buckets that start in [from_ts, to_ts) (None: unbounded), at most
    `max_buckets` marked buckets per resolution; in the caller's transaction, which should be
    fresh (on SQLite its first write takes the store's write lock)."""
    report = RollupReport()
    pending.harvest(conn)
    if "hour" in resolutions:
        hours = pending.claim(conn, "hour", from_ts, to_ts, max_buckets)
        recomputed = _recompute_hours(conn, hours, report)
        pending.mark(conn, "day", (floor_day(h) for h in recomputed))
    if "day" in resolutions:
        day_from = floor_day(from_ts) if from_ts is not None else None
        for day in pending.claim(conn, "day", day_from, to_ts, max_buckets):
            report.daily_rows += recompute_day(conn, day)
            report.days += 1
    return report


def mark_for_recompute(conn: Connection, from_ts: datetime, to_ts: datetime) -> int:
    """Mark every hour of [from_ts, to_ts) for recomputation (after a fix, or to rebuild);
    the next `roll_up` does the work. How many hours were marked."""
    hours = []
    hour = from_ts.replace(minute=0, second=0, microsecond=0)
    while hour < to_ts:
        hours.append(hour)
        hour += HOUR
    pending.mark(conn, "hour", hours)
    return len(hours)


def _recompute_hours(
    conn: Connection, marked: Iterable[datetime], report: RollupReport
) -> list[datetime]:
    """Recompute the marked hours, then those of their neighbours whose increase they change;
    every hour recomputed, sorted.

    A neighbour changes only through the advance that crosses the boundary between them: the
    hour before, when some series' first reading in the marked hour changed (or a series
    appeared); the hour after, when some series' last reading changed. Readings are only ever
    added, so a first reading can only move earlier and a last one later: comparing the
    hour's count and sums of first and last times before and after tells whether any did.
    In the steady state (readings arriving in order), that spares recomputing the previous
    hour after the first quarter of each hour, and the next hour (empty) always."""
    floor = pending.pruned_before(conn)
    done: set[datetime] = set()
    queue = sorted(set(marked))
    while queue:
        if floor is not None:
            # An hour needs the raw readings of the hour before it; past the retention they
            # are gone, and recomputing would only spoil the rollup made when they were there.
            queue = [h for h in queue if h - HOUR >= floor]
        before = _fingerprints(conn, queue)
        for start, end in _runs(queue):
            report.hourly_rows += recompute_hours(conn, start, end)
        after = _fingerprints(conn, queue)
        done.update(queue)
        neighbours = changed_neighbours(queue, before, after)
        # A neighbour still marked will be recomputed from the raw readings in its turn.
        waiting = set(pending.marked(conn, "hour", neighbours - done))
        queue = [h for h in sorted(neighbours - done - waiting) if _has_readings(conn, h)]
    report.hours += len(done)
    return sorted(done)


_Fingerprint = tuple[int, object, object]


def changed_neighbours(
    hours: list[datetime],
    before: dict[datetime, _Fingerprint],
    after: dict[datetime, _Fingerprint],
) -> set[datetime]:
    """The hours next to `hours` whose increase a recompute changed: the hour before when
    an hour's first readings changed, the hour after when its last ones did."""
    neighbours = set()
    for hour in hours:
        (count, firsts, lasts), (new_count, new_firsts, new_lasts) = before[hour], after[hour]
        if (count, firsts) != (new_count, new_firsts):
            neighbours.add(hour - HOUR)
        if (count, lasts) != (new_count, new_lasts):
            neighbours.add(hour + HOUR)
    return neighbours


def _fingerprints(
    conn: Connection, hours: list[datetime], table: str = "readings_hourly"
) -> dict[datetime, _Fingerprint]:
    """Per hour: how many series it has, and the sums of their first and last reading times
    (as integer microseconds into the hour: exact, and small enough not to overflow)."""
    if not hours:
        return {}
    d = dialect_of(conn)
    statement = (
        text(
            f"SELECT bucket_start, COUNT(*) AS n, "
            f"SUM({d.micros('first_ts', 'bucket_start')}) AS firsts, "
            f"SUM({d.micros('last_ts', 'bucket_start')}) AS lasts FROM {table} "
            "WHERE bucket_start IN :hours GROUP BY bucket_start"
        )
        .bindparams(bindparam("hours", expanding=True, type_=UtcDateTime()))
        .columns(bucket_start=UtcDateTime())
    )
    found: dict[datetime, _Fingerprint] = {h: (0, None, None) for h in hours}
    for hour, count, firsts, lasts in conn.execute(statement, {"hours": hours}):
        found[hour] = (count, firsts, lasts)
    return found


def _has_readings(conn: Connection, hour: datetime) -> bool:
    return (
        conn.execute(
            text("SELECT 1 FROM readings WHERE ts >= :start AND ts < :end LIMIT 1").bindparams(
                bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
            ),
            {"start": hour, "end": hour + HOUR},
        ).first()
        is not None
    )


def _runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Contiguous [start, end) ranges covering these sorted hours."""
    runs: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + HOUR)
        else:
            runs.append((hour, hour + HOUR))
    return runs


def recompute_hours(
    conn: Connection, start: datetime, end: datetime, *, into: str | None = None
) -> int:
    """Replace the hourly rows of [start, end) (whole hours) by ones computed from the raw
    readings; how many rows were written. `into`: add them to that table (of the same
    columns) instead, leaving `readings_hourly` as it is."""
    if into is None:
        conn.execute(
            delete(readings_hourly).where(
                readings_hourly.c.bucket_start >= start, readings_hourly.c.bucket_start < end
            )
        )
    _tune_for_bulk(conn)
    statement = text(_hourly_sql(dialect_of(conn), into or "readings_hourly")).bindparams(
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
        bindparam("window_start", type_=UtcDateTime()),
        bindparam("window_end", type_=UtcDateTime()),
        bindparam("near_floor", type_=UtcDateTime()),
        bindparam("lookback_floor", type_=UtcDateTime()),
        bindparam("counters", expanding=True),
    )
    result = conn.execute(
        statement,
        {
            "start": start,
            "end": end,
            "window_start": start - MAX_SPLIT,
            "window_end": end + MAX_SPLIT,
            "near_floor": start - MAX_SPLIT - NEAR_LOOKBACK,
            "lookback_floor": start - MAX_SPLIT - LOOKBACK,
            "counters": sorted(counter_metrics()),
            "max_split_s": MAX_SPLIT.total_seconds(),
        },
    )
    if into is None:
        refresh_counter_latest(conn, start, end)
    return max(result.rowcount, 0)


def refresh_counter_latest(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    rows: str = "readings_hourly",
    into: str = "counter_latest_hours",
) -> None:
    """Bring `counter_latest_hours` up to date with the hourly rows of [start, end) just
    written: for each counter series among them, its latest two hourly rows, from those rows
    and the two it had (less any of [start, end), which were just replaced), and its first
    hourly row's start. `rows`: read the
    new hourly rows from that table instead; `into`: add the updated rows to that table (of
    the same columns) instead (see `staged`)."""
    upsert = COUNTER_LATEST_UPSERT if into == "counter_latest_hours" else ""
    statement = text(_COUNTER_LATEST_SQL.format(rows=rows, into=into, upsert=upsert)).bindparams(
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
        bindparam("counters", expanding=True),
    )
    conn.execute(statement, {"start": start, "end": end, "counters": sorted(counter_metrics())})


# SQLite reads `ON CONFLICT` after a SELECT as a join constraint unless the SELECT has a
# WHERE clause: these have.
COUNTER_LATEST_UPSERT = """
ON CONFLICT (asset_id, metric) DO UPDATE SET
    first_start = excluded.first_start,
    latest_start = excluded.latest_start, latest_value = excluded.latest_value,
    previous_start = excluded.previous_start, previous_value = excluded.previous_value
"""
_COUNTER_LATEST_SQL = """
INSERT INTO {into}
    (asset_id, metric, first_start, latest_start, latest_value, previous_start, previous_value)
WITH fresh AS (
    SELECT asset_id, metric, bucket_start, last_value FROM {rows}
    WHERE bucket_start >= :start AND bucket_start < :end AND metric IN :counters
),
series AS (SELECT DISTINCT asset_id, metric FROM fresh),
kept AS (
    SELECT l.asset_id, l.metric, l.latest_start AS bucket_start, l.latest_value AS last_value
    FROM counter_latest_hours l
    JOIN series s ON s.asset_id = l.asset_id AND s.metric = l.metric
    WHERE l.latest_start < :start OR l.latest_start >= :end
    UNION ALL
    SELECT l.asset_id, l.metric, l.previous_start, l.previous_value
    FROM counter_latest_hours l
    JOIN series s ON s.asset_id = l.asset_id AND s.metric = l.metric
    WHERE l.previous_start < :start OR l.previous_start >= :end
),
ranked AS (
    SELECT asset_id, metric, bucket_start, last_value,
           MIN(bucket_start) OVER (PARTITION BY asset_id, metric) AS earliest,
           LEAD(bucket_start) OVER newest_first AS previous_start,
           LEAD(last_value) OVER newest_first AS previous_value,
           ROW_NUMBER() OVER newest_first AS n
    FROM (SELECT * FROM fresh UNION ALL SELECT * FROM kept) rows
    WINDOW newest_first AS (PARTITION BY asset_id, metric ORDER BY bucket_start DESC)
)
SELECT r.asset_id, r.metric,
       CASE WHEN l.first_start < r.earliest THEN l.first_start ELSE r.earliest END,
       r.bucket_start, r.last_value, r.previous_start, r.previous_value
FROM ranked r
LEFT JOIN counter_latest_hours l ON l.asset_id = r.asset_id AND l.metric = r.metric
WHERE r.n = 1
{upsert}"""


def recompute_day(conn: Connection, day: datetime, *, into: str | None = None) -> int:
    """Replace the daily rows of the UTC day starting at `day` by the sums of its hours.
    `into`: add them to that table (of the same columns) instead, as `recompute_hours`."""
    if into is None:
        conn.execute(delete(readings_daily).where(readings_daily.c.bucket_start == day))
    _tune_for_bulk(conn)
    statement = text(
        f"INSERT INTO {into or 'readings_daily'} ({ROLLUP_COLUMNS}) " + hours_aggregate_sql(":day")
    ).bindparams(
        bindparam("day", type_=UtcDateTime()),
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
    )
    result = conn.execute(statement, {"day": day, "start": day, "end": day + DAY})
    return max(result.rowcount, 0)


def _tune_for_bulk(conn: Connection) -> None:
    """On PostgreSQL, for the rest of the transaction (the rollup's own, see `roll_up`): no JIT
    (compiling these plans costs more than it saves on a few hundred thousand rows) and room to
    sort and hash them in memory."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        # Statistics lag behind a bulk rollup or a month's partition filling up, and with
        # them the planner would loop over joins of a hundred thousand rows, or scan a whole
        # table for each primary-key lookup: these statements always want the indexes (a
        # month's partition holds 720 hours; one is read) and hash or merge joins.
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def hours_aggregate_sql(bucket: str, series_filter: str | None = None) -> str:
    """SELECT of the rollup columns that sums the hourly rows of [:start, :end) into one bucket
    per series, labelled `bucket` (an SQL expression). `series_filter`, if given, is an extra
    WHERE condition on `h` (the hourly rows). First and last values are those of the series'
    first and last hours (see `_hourly_sql` on why by scalar subqueries)."""
    extra = f" AND ({series_filter})" if series_filter else ""
    return (
        f"SELECT s.asset_id, s.metric, {bucket} AS bucket_start, s.n AS reading_count, "
        "s.lo AS min_value, s.hi AS max_value, s.total AS sum_value, s.first_ts, "
        "(SELECT f.first_value FROM readings_hourly f WHERE f.asset_id = s.asset_id "
        "AND f.metric = s.metric AND f.bucket_start = s.first_hour) AS first_value, "
        "s.last_ts, "
        "(SELECT l.last_value FROM readings_hourly l WHERE l.asset_id = s.asset_id "
        "AND l.metric = s.metric AND l.bucket_start = s.last_hour) AS last_value, s.increase "
        "FROM (SELECT h.asset_id, h.metric, SUM(h.reading_count) AS n, MIN(h.min_value) AS lo, "
        "MAX(h.max_value) AS hi, SUM(h.sum_value) AS total, MIN(h.first_ts) AS first_ts, "
        "MAX(h.last_ts) AS last_ts, MIN(h.bucket_start) AS first_hour, "
        "MAX(h.bucket_start) AS last_hour, SUM(h.increase) AS increase "
        "FROM readings_hourly h WHERE h.bucket_start >= :start AND h.bucket_start < :end"
        f"{extra} GROUP BY h.asset_id, h.metric) s"
    )


def _stats_sql(d: Dialect) -> str:
    """Count, min, max, sum, first and last of the numeric readings of [:start, :end), per
    series and hour. SQLite groups them and fetches the first and last values by primary key
    (its fastest way); PostgreSQL takes them in one sorted pass of window functions, twice as
    fast as that, and immune to the join plans its planner may choose on statistics a bulk
    rollup has just made stale."""
    if d.name == "sqlite":
        hour_ts = d.hour_of("ts")
        return f"""
    SELECT g.*,
           (SELECT f.value FROM readings f WHERE f.ts_hour = {d.hour_number("g.first_ts")}
              AND f.asset_id = g.asset_id AND f.metric = g.metric
              AND f.ts = g.first_ts) AS first_value,
           (SELECT l.value FROM readings l WHERE l.ts_hour = {d.hour_number("g.last_ts")}
              AND l.asset_id = g.asset_id AND l.metric = g.metric
              AND l.ts = g.last_ts) AS last_value
    FROM (SELECT asset_id, metric, {hour_ts} AS bucket_start, COUNT(*) AS n,
                 MIN(value) AS lo, MAX(value) AS hi, SUM(value) AS total,
                 MIN(ts) AS first_ts, MAX(ts) AS last_ts
          FROM readings
          WHERE ts >= :start AND ts < :end AND value IS NOT NULL
          GROUP BY asset_id, metric, {hour_ts}) g
"""
    return f"""
    SELECT asset_id, metric, bucket_start, n, lo, hi, total, first_ts, first_value,
           last_ts, last_value
    FROM (SELECT asset_id, metric, bucket_start,
                 COUNT(*) OVER hour AS n, MIN(value) OVER hour AS lo,
                 MAX(value) OVER hour AS hi, SUM(value) OVER hour AS total,
                 FIRST_VALUE(ts) OVER hour AS first_ts,
                 FIRST_VALUE(value) OVER hour AS first_value,
                 LAST_VALUE(ts) OVER hour AS last_ts, LAST_VALUE(value) OVER hour AS last_value,
                 ROW_NUMBER() OVER (PARTITION BY asset_id, metric, bucket_start ORDER BY ts)
                     AS rn
          FROM (SELECT asset_id, metric, ts, value, {d.hour_of("ts")} AS bucket_start
                FROM readings
                WHERE ts >= :start AND ts < :end AND value IS NOT NULL) r
          WINDOW hour AS (PARTITION BY asset_id, metric, bucket_start ORDER BY ts
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) w
    WHERE rn = 1
"""


def _last_value_before(floor: str, d: Dialect) -> str:
    """The last value of series `c`'s last hourly row in [:`floor`, :window_start), searched
    an hour at a time (each a seek of the hour-first key); all the hours are looked at, so
    `_hourly_sql` looks at the last two days first."""
    return (
        "(SELECT r.last_value FROM readings_hourly r "
        f"WHERE {d.hours_before('r.bucket_start', floor)} "
        "AND r.asset_id = c.asset_id AND r.metric = c.metric "
        "ORDER BY r.bucket_start DESC LIMIT 1)"
    )


def _hourly_sql(d: Dialect, table: str = "readings_hourly") -> str:
    """The statement that rolls up the raw readings of [:start, :end) into hourly rows.

    `counter_readings` pairs each counter reading with the one before it (LAG), looking one
    `MAX_SPLIT` before and after the range so the advances across its edges are seen; a reading
    with no predecessor in that window was preceded by a silence longer than `MAX_SPLIT`, and
    its predecessor's value is the last value of the series' last hourly row before the
    window. That row is up to date because hours are rolled up in time order: every hour
    before the range was recomputed in an earlier statement (see `_recompute_hours` and
    `staged`, which take one run of contiguous hours at a time). The raw readings cannot be
    searched backwards by series (their key leads with the hour), and the hourly row holds
    the same value, even once retention has removed the reading. (A reading arriving late
    for an earlier hour does not recompute the increase of a later hour more than one hour
    away that took its predecessor's value before it came: only adjacent hours are redone,
    as with a lookup of the raw readings.)

    The hourly rows are keyed by hour first too, so that row is found in
    `counter_latest_hours` (each counter series' latest two hourly rows and its first, see
    `refresh_counter_latest`): the latest when it is before the window (rolling up new
    hours), none when the series starts at or after the window, the one before the latest
    otherwise (the hour before the latest, recomputed as a neighbour); when both are at or
    after the window (a late reading for an older hour, a
    rebuild), the hours before the window are searched one by one, back `NEAR_LOOKBACK`
    first, then `LOOKBACK` at most:
    a silence longer than that, before an hour recomputed later, counts as the series'
    start. `pairs` is materialised so each lookup runs once, not once per use of `v0`.
    """
    # INSERT first: Python's sqlite3 reports a row count only for statements starting with it.
    return f"""
INSERT INTO {table} ({ROLLUP_COLUMNS})
WITH stats AS ({_stats_sql(d)}),
counter_readings AS (
    SELECT asset_id, metric, ts, value,
           LAG(ts) OVER series AS prev_ts, LAG(value) OVER series AS prev_value
    FROM readings
    WHERE ts >= :window_start AND ts < :window_end AND value IS NOT NULL
      AND metric IN :counters
    WINDOW series AS (PARTITION BY asset_id, metric ORDER BY ts)
),
pairs AS MATERIALIZED (
    SELECT c.asset_id, c.metric, c.prev_ts AS t0, c.ts AS t1, {d.hour_of("c.ts")} AS h1,
           c.value AS v1,
           CASE WHEN c.prev_ts IS NOT NULL THEN c.prev_value
                WHEN c.ts < :end THEN
                    (SELECT CASE WHEN l.latest_start < :window_start THEN l.latest_value
                                 WHEN l.first_start >= :window_start THEN NULL
                                 WHEN l.previous_start < :window_start THEN l.previous_value
                                 ELSE COALESCE({_last_value_before("near_floor", d)},
                                               {_last_value_before("lookback_floor", d)})
                            END
                     FROM counter_latest_hours l
                     WHERE l.asset_id = c.asset_id AND l.metric = c.metric)
           END AS v0
    FROM counter_readings c
    WHERE c.ts >= :start
),
advances AS (
    SELECT asset_id, metric, t0, t1, h1,
           CASE WHEN v0 IS NULL THEN 0.0 WHEN v1 >= v0 THEN v1 - v0 ELSE v1 END AS advance,
           (t0 IS NOT NULL AND t0 < h1 AND {d.seconds("t1", "t0")} <= :max_split_s) AS split
    FROM pairs
),
shares AS (
    SELECT asset_id, metric, h1 AS bucket_start,
           CASE WHEN split THEN advance * {d.seconds("t1", "h1")} / {d.seconds("t1", "t0")}
                ELSE advance END AS amount
    FROM advances
    UNION ALL
    SELECT asset_id, metric, {d.hour_of("t0")} AS bucket_start,
           advance * {d.seconds("h1", "t0")} / {d.seconds("t1", "t0")} AS amount
    FROM advances
    WHERE split
),
increases AS (
    SELECT asset_id, metric, bucket_start, SUM(amount) AS increase
    FROM shares
    WHERE bucket_start >= :start AND bucket_start < :end
    GROUP BY asset_id, metric, bucket_start
)
SELECT s.asset_id, s.metric, s.bucket_start, s.n, s.lo, s.hi, s.total,
       s.first_ts, s.first_value, s.last_ts, s.last_value,
       CASE WHEN s.metric IN :counters THEN COALESCE(i.increase, 0.0) END
FROM stats s
LEFT JOIN increases i ON i.asset_id = s.asset_id AND i.metric = s.metric
    AND i.bucket_start = s.bucket_start
"""
