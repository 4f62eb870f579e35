"""The time-series housekeeping a server runs in the background: roll up every minute, prune
raw readings and old dead letters (and create the coming months' partitions) every hour.

`Maintenance.tick()` runs whatever is due by the clock, so a simulated clock drives it as well
as the wall clock; `start()` calls it from a daemon thread every `poll_s` real seconds.
Each step commits in short transactions of its own (`roll_up_in_steps`, `prune_in_steps`),
so the ingest never waits long behind it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from vigie.core.clock import Clock
from vigie.core.service import Health
from vigie.store.partitions import ensure_partitions, next_month
from vigie.telemetry.dead_letter_retention import prune_dead_letters
from vigie.timeseries import pending
from vigie.timeseries.retention import PruneReport, prune, raw_retention_days
from vigie.timeseries.rollups import RESOLUTIONS, RollupReport, roll_up
from vigie.timeseries.staged import roll_up_days_staged, roll_up_hours_staged

log = logging.getLogger(__name__)

#: Hours recomputed per transaction when catching up a backlog.
HOURS_PER_STEP = 6
#: Raw readings deleted per transaction, as a span of time, when pruning a backlog.
PRUNE_SPAN_PER_STEP = timedelta(hours=6)
#: Months of partitions kept ready ahead of the current one.
MONTHS_AHEAD = 2


def roll_up_in_steps(
    engine: Engine,
    from_ts: datetime | None = None,
    to_ts: datetime | None = None,
    *,
    resolutions: Sequence[pending.Resolution] = RESOLUTIONS,
    hours_per_step: int = HOURS_PER_STEP,
) -> RollupReport:
    """`roll_up` until nothing in range is pending, a few buckets per transaction: every
    pending hour first, then the days (each day once, however many of its hours were
    recomputed)."""
    total = RollupReport()
    for resolution in RESOLUTIONS:
        if resolution not in resolutions:
            continue
        while True:
            if resolution == "hour" and engine.dialect.name == "sqlite":
                # Computed outside the write lock, which the ingest needs (see `staged`).
                step = roll_up_hours_staged(engine, from_ts, to_ts, max_buckets=hours_per_step)
                total.add(step)
                # Fewer hours than a step takes, none left for the next: it took every hour
                # pending when it began. (Readings arriving all the while mark an hour again
                # each time: looping until none is pending would never end under a steady
                # ingest.)
                if step.hours < hours_per_step and not step.deferred:
                    break
                continue
            if resolution == "day" and engine.dialect.name == "sqlite":
                step = roll_up_days_staged(engine, from_ts, to_ts, max_buckets=hours_per_step)
                total.add(step)
                if step.days == 0:
                    break
                continue
            with engine.begin() as conn:
                step = roll_up(
                    conn, from_ts, to_ts, resolutions=(resolution,), max_buckets=hours_per_step
                )
            total.add(step)
            if step.hours == 0 and step.days == 0:
                break
    return total


def prune_in_steps(
    engine: Engine, now: datetime, *, retention_days: int | None = None
) -> PruneReport:
    """`prune` until done, a few hours of raw readings per transaction."""
    total = PruneReport()
    while True:
        with engine.begin() as conn:
            step = prune(conn, now, retention_days=retention_days, max_span=PRUNE_SPAN_PER_STEP)
        total.cutoff = step.cutoff or total.cutoff
        total.deleted_rows += step.deleted_rows
        total.dropped_partitions += step.dropped_partitions
        if not step.more or not (step.deleted_rows or step.dropped_partitions):
            return total


def ensure_months_ahead(engine: Engine, now: datetime, months: int = MONTHS_AHEAD) -> int:
    """Create the partitions of this month and the next `months` (PostgreSQL)."""
    last = now
    for _ in range(months):
        last = next_month(last.replace(day=1))
    with engine.begin() as conn:
        return ensure_partitions(conn, now, last)


@dataclass
class _Job:
    every: timedelta
    due: datetime | None = None  # None: at the first tick


class Maintenance:
    """Roll up every `rollup_every`, prune and prepare partitions every `prune_every`. A
    `Service`."""

    name = "timeseries"

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        rollup_every: timedelta = timedelta(minutes=1),
        prune_every: timedelta = timedelta(hours=1),
        retention_days: int | None = None,
        dead_letter_retention_days: int | None = None,
        poll_s: float = 5.0,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.retention_days = raw_retention_days() if retention_days is None else retention_days
        self.dead_letter_retention_days = dead_letter_retention_days
        self.poll_s = poll_s
        self.failures = 0
        self._rollup = _Job(rollup_every)
        self._prune = _Job(prune_every)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_rollup: RollupReport | None = None
        self.last_prune: PruneReport | None = None
        self.dead_letters_deleted = 0

    def tick(self) -> None:
        """Run the jobs that are due by the clock (a failing job is logged, and retried when
        next due)."""
        now = self.clock.now()
        if self._is_due(self._prune, now):
            # Days are rolled up on the hourly beat: a day sums 24 hours of every series, too
            # much to redo every minute for a figure that reports read the next morning.
            self._run("roll-up", lambda: self._roll_up(RESOLUTIONS))
            self._run("partitions", lambda: ensure_months_ahead(self.engine, now))
            self._run("prune", lambda: self._do_prune(now))
            self._run("dead letters", lambda: self._prune_dead_letters(now))
            self._rollup.due = now + self._rollup.every
        elif self._is_due(self._rollup, now):
            self._run("roll-up", lambda: self._roll_up(("hour",)))

    def start(self) -> None:
        """Tick every `poll_s` seconds in a daemon thread until `stop()`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vigie-timeseries", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def health(self) -> Health:
        running = self._thread is not None and self._thread.is_alive()
        return Health(
            self.name,
            running,
            "" if running else "not running",
            {"failures": self.failures, "dead_letters_deleted": self.dead_letters_deleted},
        )

    def __enter__(self) -> Maintenance:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_s)

    @staticmethod
    def _is_due(job: _Job, now: datetime) -> bool:
        if job.due is None or now >= job.due:
            job.due = now + job.every
            return True
        return False

    def _roll_up(self, resolutions: Sequence[pending.Resolution]) -> None:
        self.last_rollup = roll_up_in_steps(self.engine, resolutions=resolutions)

    def _do_prune(self, now: datetime) -> None:
        self.last_prune = prune_in_steps(self.engine, now, retention_days=self.retention_days)

    def _prune_dead_letters(self, now: datetime) -> None:
        self.dead_letters_deleted += prune_dead_letters(
            self.engine, now, retention_days=self.dead_letter_retention_days
        )

    def _run(self, name: str, job: Callable[[], object]) -> None:
        try:
            job()
        except Exception:
            self.failures += 1
            log.exception("time-series %s failed", name)
