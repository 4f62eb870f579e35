"""Hourly and daily rollups on SQLite computed outside the write lock.

SQLite has one writer at a time, and `rollups.roll_up` computes inside its write transaction:
recomputing an hour of the Dijon twin (1.8 M readings) held the lock for ~15 s, while every
ingest batch waited (HTTP posts timed out behind it). Here the same computation runs in a read
snapshot into a temporary table (a connection's TEMP tables are not the store: writing them
takes no lock on it); a short write transaction then swaps the hours' rows in.

What the snapshot did not see is rolled up next time, as `pending` promises: the new readings'
hours are harvested from the snapshot's last rowid on, so a reading committed meanwhile marks
its hour again. The watermark is compared and set in the write transaction: if another
rollup moved it in between, this one writes nothing (the other did the work).

Days are staged the same way (`roll_up_days_staged`): a day of the Dijon twin sums 24 hours of
~45,000 series, and computed under the lock it kept the ingest waiting for seconds. Only the
day marks the snapshot saw are settled: an hour rolled up meanwhile marks its day anew.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection, Engine

from vigie.store.schema import rollup_pending
from vigie.store.types import UtcDateTime
from vigie.timeseries import pending
from vigie.timeseries.rollups import (
    COUNTER_LATEST_UPSERT,
    ROLLUP_COLUMNS,
    RollupReport,
    _Fingerprint,
    _fingerprints,
    _has_readings,
    _runs,
    changed_neighbours,
    recompute_day,
    recompute_hours,
    refresh_counter_latest,
)
from vigie.timeseries.sql import HOUR, dialect_of, floor_day

STAGE = "temp.rollup_stage"
#: Each counter's latest hourly rows once the stage is swapped in (`counter_latest_hours`).
LATEST_STAGE = "temp.counter_latest_stage"
DAY_STAGE = "temp.rollup_day_stage"


def roll_up_hours_staged(
    engine: Engine,
    from_ts: datetime | None = None,
    to_ts: datetime | None = None,
    *,
    max_buckets: int | None = None,
) -> RollupReport:
    """One step of hourly rollups (SQLite): at most `max_buckets` pending hours in
    [from_ts, to_ts) and the neighbours they change, like `roll_up(resolutions=("hour",))`."""
    report = RollupReport()
    with engine.connect() as conn:
        _create_stage(conn, STAGE, "readings_hourly")
        _create_stage(conn, LATEST_STAGE, "counter_latest_hours", "*")
        try:
            with conn.begin():
                # Python's sqlite3 begins a transaction only before a write: begin here so
                # that every read below sees one snapshot.
                conn.exec_driver_sql("BEGIN")
                snapshot = _compute(conn, from_ts, to_ts, max_buckets, report)
            if snapshot is None:
                return report
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, for a short while
                if not _swap_in(conn, snapshot):
                    return RollupReport()
        finally:
            conn.exec_driver_sql(f"DELETE FROM {STAGE}")
            conn.exec_driver_sql(f"DELETE FROM {LATEST_STAGE}")
            conn.commit()
    return report


class _Snapshot:
    def __init__(
        self, position: int, since: int, top: int, last_mark: int, new_hours: set[datetime]
    ) -> None:
        self.position = position  # the watermark read
        self.since = since  # where the new readings start (0 after a VACUUM)
        self.top = top  # the last reading the computation saw (rowid)
        self.last_mark = last_mark  # the last pending mark it saw (id)
        self.new_hours = new_hours  # hours of readings in (since, top], not marked yet
        self.done: list[datetime] = []
        self.neighbours: list[datetime] = []  # to recompute in the next step (marked)
        self.past_retention: list[datetime] = []  # marked, but their readings are gone


def _compute(
    conn: Connection,
    from_ts: datetime | None,
    to_ts: datetime | None,
    max_buckets: int | None,
    report: RollupReport,
) -> _Snapshot | None:
    position = since = pending._position(conn, pending.READINGS_ROWID)
    top = conn.exec_driver_sql("SELECT max(rowid) FROM readings").scalar() or 0
    if top < since:
        since = 0  # rowids renumbered (a VACUUM): look at everything again
    dialect = dialect_of(conn)
    new_hours = set(
        conn.execute(
            text(
                f"SELECT DISTINCT {dialect.hour_of('ts')} AS hour FROM readings "
                "WHERE rowid > :since AND rowid <= :top"
            ).columns(hour=UtcDateTime()),
            {"since": since, "top": top},
        ).scalars()
    )
    last_mark = conn.exec_driver_sql("SELECT max(id) FROM rollup_pending").scalar() or 0
    marked = set(
        conn.execute(
            text(
                "SELECT DISTINCT bucket_start FROM rollup_pending "
                "WHERE resolution = 'hour' AND id <= :last"
            ).columns(bucket_start=UtcDateTime()),
            {"last": last_mark},
        ).scalars()
    )
    waiting = marked | new_hours
    wanted = sorted(
        h for h in waiting if (from_ts is None or h >= from_ts) and (to_ts is None or h < to_ts)
    )
    if max_buckets is not None:
        wanted = wanted[:max_buckets]
    snapshot = _Snapshot(position, since, top, last_mark, new_hours)
    if not wanted and not new_hours:
        return None
    # One run of contiguous hours per step: a counter reading after a long silence takes its
    # predecessor's value from the hourly rows (see `rollups._hourly_sql`), which must hold
    # every earlier hour recomputed. Those of this run are only staged until the swap, so a
    # later run, or a neighbour whose increase this run changed, waits for the next step.
    floor = pending.pruned_before(conn)
    if floor is not None:
        # As in `rollups._recompute_hours`: no recomputing past the retention (their marks
        # are settled as they are).
        snapshot.past_retention = [h for h in wanted if h - HOUR < floor]
        wanted = [h for h in wanted if h - HOUR >= floor]
    before: dict[datetime, _Fingerprint] = {}
    if wanted:
        start, end = _runs(wanted)[0]
        report.deferred += sum(1 for h in wanted if h >= end)
        wanted = [h for h in wanted if h < end]
        before = _fingerprints(conn, wanted)
        report.hourly_rows += recompute_hours(conn, start, end, into=STAGE)
        # Computed here, in the snapshot: under the write lock it held the ingest ~0.4 s for
        # the hour of the lights' daily counters.
        refresh_counter_latest(conn, start, end, rows=STAGE, into=LATEST_STAGE)
    after = _fingerprints(conn, wanted, STAGE)
    neighbours = changed_neighbours(wanted, before, after)
    # A neighbour already waiting will be recomputed from the raw readings in its turn.
    snapshot.neighbours = [
        h for h in sorted(neighbours - set(wanted) - waiting) if _has_readings(conn, h)
    ]
    report.deferred += len(snapshot.neighbours)
    snapshot.done = wanted
    report.hours += len(wanted)
    return snapshot


def _swap_in(conn: Connection, snapshot: _Snapshot) -> bool:
    """Replace the hours' rows by the staged ones and settle the marks; False (nothing
    written) if another rollup moved the watermark since the snapshot."""
    if pending._position(conn, pending.READINGS_ROWID) != snapshot.position:
        return False
    done = set(snapshot.done)
    pending.mark(
        conn,
        "hour",
        (snapshot.new_hours - done - set(snapshot.past_retention)) | set(snapshot.neighbours),
    )
    if snapshot.top != snapshot.position:
        pending._set_watermark(conn, pending.READINGS_ROWID, position=snapshot.top)
    settled = done | set(snapshot.past_retention)
    if not settled:
        return True
    conn.execute(
        text(
            "DELETE FROM rollup_pending WHERE resolution = 'hour' AND id <= :last "
            "AND bucket_start IN :hours"
        ).bindparams(bindparam("hours", expanding=True, type_=UtcDateTime())),
        {"last": snapshot.last_mark, "hours": sorted(settled)},
    )
    if not done:
        return True
    hours = sorted(done)
    for start, end in _runs(hours):
        conn.execute(
            text(
                "DELETE FROM readings_hourly WHERE bucket_start >= :start AND bucket_start < :end"
            ).bindparams(
                bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
            ),
            {"start": start, "end": end},
        )
    conn.exec_driver_sql(
        f"INSERT INTO readings_hourly ({ROLLUP_COLUMNS}) SELECT {ROLLUP_COLUMNS} FROM {STAGE}"
    )
    conn.exec_driver_sql(
        f"INSERT INTO counter_latest_hours SELECT * FROM {LATEST_STAGE} WHERE true "
        + COUNTER_LATEST_UPSERT
    )
    pending.mark(conn, "day", (floor_day(h) for h in hours))
    return True


def roll_up_days_staged(
    engine: Engine,
    from_ts: datetime | None = None,
    to_ts: datetime | None = None,
    *,
    max_buckets: int | None = None,
) -> RollupReport:
    """One step of daily rollups (SQLite): at most `max_buckets` pending days starting in
    [from_ts, to_ts), oldest first, like `roll_up(resolutions=("day",))`."""
    report = RollupReport()
    with engine.connect() as conn:
        _create_stage(conn, DAY_STAGE, "readings_daily")
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN")  # one snapshot for the reads (see above)
                last_mark = conn.exec_driver_sql("SELECT max(id) FROM rollup_pending").scalar()
                days = _marked_days(conn, last_mark or 0, from_ts, to_ts, max_buckets)
                for day in days:
                    report.daily_rows += recompute_day(conn, day, into=DAY_STAGE)
            if not days:
                return report
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                _swap_in_days(conn, days, last_mark or 0)
            report.days = len(days)
        finally:
            conn.exec_driver_sql(f"DELETE FROM {DAY_STAGE}")
            conn.commit()
    return report


def _marked_days(
    conn: Connection,
    last_mark: int,
    from_ts: datetime | None,
    to_ts: datetime | None,
    limit: int | None,
) -> list[datetime]:
    """The oldest days marked (up to the mark `last_mark`) starting in [from_ts, to_ts)."""
    day = rollup_pending.c.bucket_start
    query = (
        select(day)
        .where(rollup_pending.c.resolution == "day", rollup_pending.c.id <= last_mark)
        .distinct()
        .order_by(day)
        .limit(limit)
    )
    if from_ts is not None:
        query = query.where(day >= floor_day(from_ts))
    if to_ts is not None:
        query = query.where(day < to_ts)
    return list(conn.execute(query).scalars())


def _swap_in_days(conn: Connection, days: list[datetime], last_mark: int) -> None:
    """Replace the days' rows by the staged ones and settle the marks the snapshot saw."""
    conn.execute(
        text(
            "DELETE FROM rollup_pending WHERE resolution = 'day' AND id <= :last "
            "AND bucket_start IN :days"
        ).bindparams(bindparam("days", expanding=True, type_=UtcDateTime())),
        {"last": last_mark, "days": days},
    )
    conn.execute(
        text("DELETE FROM readings_daily WHERE bucket_start IN :days").bindparams(
            bindparam("days", expanding=True, type_=UtcDateTime())
        ),
        {"days": days},
    )
    conn.exec_driver_sql(
        f"INSERT INTO readings_daily ({ROLLUP_COLUMNS}) SELECT {ROLLUP_COLUMNS} FROM {DAY_STAGE}"
    )


def _create_stage(conn: Connection, stage: str, like: str, columns: str = ROLLUP_COLUMNS) -> None:
    """This connection's empty TEMP table `stage` with the `columns` of the table `like`.

    Kept in memory: in a temporary file, committing the staged rows took as long as computing
    them. The setting is said again on every use: SQLite drops TEMP tables only when it
    changes."""
    conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage.split('.')[1]} AS "
        f"SELECT {columns} FROM {like} WHERE 0"
    )
    conn.commit()
