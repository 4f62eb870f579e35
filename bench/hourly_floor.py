"""The store's own floor under issue #5's proof with hourly counters: how long the store alone
takes to write and roll up a year of the lights' hourly energy counters, with nothing else
running (no simulated nodes, no decoding, no validation, no twin, no alarms).

    python bench/hourly_floor.py [--quick] [--days 14] [--lights 34000] [--store URL]

Each simulated hour, every light's `energy_wh` counter (one reading, at the light's own minute
of the hour, lit from 17:00 to 07:00 UTC) is appended with the ingest's own write
(`telemetry.fast_writes.append_readings`, the plain driver SQL the pipeline uses) in one
transaction; after each simulated day the day's hours and the day are rolled up with the
server's upkeep (`timeseries.maintenance.roll_up_in_steps`), as `vigie lighting prove` does.
The store is a fresh file migrated to head (SQLite, the proof's store) unless `--store` names
another (a PostgreSQL URL).

A second measure takes the store out of the question: the same hours' rows written with the
sqlite3 module straight into a table with nothing but its key (`WITHOUT ROWID`, no other index,
no rowid), the least any SQLite schema could write (`bare_write_readings_per_s`,
`bare_year_write_s`; its log copied back after each day, not counted).

The year's floor extrapolates the measured days to 365: `year_floor_s` = 365 × the larger of
(a day's writes) and (a day's writes, rollups and log checkpoints spread over both cores). The
writes are one writer's work, the rollups could run on the other core; the proof also has the
simulated nodes, the pipeline and the twin to run on the same two cores, so its time can only
be longer. The last line printed is one JSON object; `goal_s` is the proof's limit (15 minutes).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from scratch import scratch_dir
from vigie.domains.installed import install_all
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import readings, readings_daily, readings_hourly
from vigie.store.types import micros
from vigie.telemetry.fast_writes import ReadingRow, append_readings
from vigie.telemetry.wal import rewind_log
from vigie.timeseries.maintenance import roll_up_in_steps

install_all()  # the facilities, as the `vigie` command installs them

GOAL_S = 900.0
DAYS_IN_YEAR = 365
#: A luminaire of the twin draws ~25 W on average when lit (LED, dimmed at night).
LIT_WH_PER_HOUR = 25.0


def _lit(hour_utc: int) -> bool:
    return hour_utc >= 17 or hour_utc < 7


def _hour_rows(
    lights: list[str], hour_start: datetime, counters_wh: list[float]
) -> list[ReadingRow]:
    """Every light's counter for one hour, each at its own second of the hour."""
    lit = _lit(hour_start.hour)
    rows: list[ReadingRow] = []
    spacing_s = 3_600 / len(lights)
    for index, asset_id in enumerate(lights):
        if lit:
            counters_wh[index] += LIT_WH_PER_HOUR
        ts = hour_start + timedelta(seconds=int(index * spacing_s))
        rows.append((asset_id, "energy_wh", ts, micros(ts), counters_wh[index], None))
    return rows


_BARE_TABLE = (
    "CREATE TABLE readings (ts_hour INTEGER NOT NULL, asset_id TEXT NOT NULL, "
    "metric TEXT NOT NULL, ts INTEGER NOT NULL, value REAL, value_text TEXT, "
    "PRIMARY KEY (ts_hour, asset_id, metric, ts)) WITHOUT ROWID"
)


def bare_write_rate(path: Path, lights: list[str], hours: int) -> float:
    """Rows per second written into a table with only its key, one transaction an hour."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(_BARE_TABLE)
    counters_wh = [0.0] * len(lights)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    write_s = 0.0
    for hour in range(hours):
        rows = [
            (us // 3_600_000_000, asset_id, metric, us, value, text)
            for asset_id, metric, _, us, value, text in _hour_rows(
                lights, start + timedelta(hours=hour), counters_wh
            )
        ]
        began = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        write_s += time.perf_counter() - began
        if hour % 24 == 23:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # not counted: a floor
    conn.close()
    return hours * len(lights) / write_s


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 days of 8,500 lights")
    parser.add_argument("--days", type=int, default=14, help="simulated days measured")
    parser.add_argument("--lights", type=int, default=34_000)
    parser.add_argument("--store", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    days = 3 if args.quick else args.days
    light_count = 8_500 if args.quick else args.lights

    workdir = scratch_dir("vigie-hourly-floor-")
    url = args.store or f"sqlite:///{workdir / 'floor.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    lights = [f"FLOOR-SL-{k:06d}" for k in range(light_count)]
    counters_wh = [0.0] * light_count
    start = datetime(2025, 1, 1, tzinfo=UTC)

    write_s = rollup_s = checkpoint_s = 0.0
    per_day: list[dict[str, float]] = []
    writer = engine.connect()
    if engine.dialect.name == "sqlite":
        # As the ingest's connection: the log is copied back apart from the writes (here
        # after each day, timed on its own), not in the middle of a commit.
        writer.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        writer.commit()
    for day in range(days):
        day_write_s = 0.0
        for hour in range(24):
            rows = _hour_rows(lights, start + timedelta(days=day, hours=hour), counters_wh)
            began = time.perf_counter()
            with writer.begin():
                stored = append_readings(writer, rows)
            day_write_s += time.perf_counter() - began
            if stored != len(rows):
                raise RuntimeError(f"stored {stored} of {len(rows)} readings")
        began = time.perf_counter()
        roll_up_in_steps(engine, hours_per_step=24)
        day_rollup_s = time.perf_counter() - began
        began = time.perf_counter()
        rewind_log(engine)
        day_checkpoint_s = time.perf_counter() - began
        write_s += day_write_s
        rollup_s += day_rollup_s
        checkpoint_s += day_checkpoint_s
        per_day.append(
            {
                "write_s": round(day_write_s, 2),
                "rollup_s": round(day_rollup_s, 2),
                "checkpoint_s": round(day_checkpoint_s, 2),
            }
        )
        print(
            f"day {day + 1}: writes {day_write_s:.2f} s, rollups {day_rollup_s:.2f} s, "
            f"checkpoint {day_checkpoint_s:.2f} s",
            flush=True,
        )
    writer.close()

    with engine.connect() as conn:
        stored_rows = conn.execute(select(func.count()).select_from(readings)).scalar_one()
        hourly_rows = conn.execute(select(func.count()).select_from(readings_hourly)).scalar_one()
        daily_wh = conn.execute(select(func.sum(readings_daily.c.increase))).scalar_one() or 0.0
    # Each light's first reading only sets its base (nothing before it is known).
    expected_wh = sum(counters_wh) - light_count * (LIT_WH_PER_HOUR if _lit(0) else 0.0)
    if abs(daily_wh - expected_wh) > 1e-6 * max(expected_wh, 1.0):
        raise RuntimeError(f"daily rollups hold {daily_wh} Wh, the counters advanced {expected_wh}")
    engine.dispose()

    bare_rate = bare_write_rate(workdir / "bare.db", lights, 24 * min(days, 2))
    write_day_s = write_s / days
    rollup_day_s = rollup_s / days
    checkpoint_day_s = checkpoint_s / days
    day_floor_s = max(write_day_s, (write_day_s + rollup_day_s + checkpoint_day_s) / 2)
    scale = 34_000 / light_count
    year_floor_s = DAYS_IN_YEAR * day_floor_s * scale
    result = {
        "store": engine.dialect.name,
        "lights": light_count,
        "days": days,
        "readings": stored_rows,
        "hourly_rows": hourly_rows,
        "write_readings_per_s": round(stored_rows / write_s),
        "write_s_per_day": round(write_day_s, 2),
        "rollup_s_per_day": round(rollup_day_s, 2),
        "checkpoint_s_per_day": round(checkpoint_day_s, 2),
        "last_day": per_day[-1],
        "year_readings_34000_lights": 34_000 * 24 * DAYS_IN_YEAR,
        "year_floor_s": round(year_floor_s, 1),
        "bare_write_readings_per_s": round(bare_rate),
        "bare_year_write_s": round(34_000 * 24 * DAYS_IN_YEAR / bare_rate, 1),
        "goal_s": GOAL_S,
        "floor_ratio_to_goal": round(year_floor_s / GOAL_S, 2),
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
