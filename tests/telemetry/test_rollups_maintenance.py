"""The background runner (`Maintenance`) on a moving clock, and `vigie timeseries`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.telemetry.series_feed import LIGHT, Feed, daily, hourly
from vigie.cli.timeseries import app
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import readings
from vigie.timeseries.maintenance import Maintenance

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_maintenance_rolls_up_every_minute_and_days_and_retention_every_hour(
    engine: Engine,
) -> None:
    feed = Feed(engine, T0)
    old = T0 - 40 * 24 * 60 * MIN
    feed.send(LIGHT, old, energy_wh=1.0)  # past the retention
    feed.send(LIGHT, T0 - 5 * MIN, energy_wh=100.0)
    runner = Maintenance(engine, feed.clock, retention_days=30)
    runner.tick()  # the first tick runs everything
    # The one reading 40 days old is past the 30 days kept: exactly it goes, the recent stays.
    assert runner.last_prune is not None and runner.last_prune.deleted_rows == 1
    with engine.connect() as conn:
        left = conn.execute(select(readings.c.ts).where(readings.c.asset_id == LIGHT)).all()
    assert old not in {row.ts for row in left} and T0 - 5 * MIN in {row.ts for row in left}
    day = T0.replace(hour=0)
    assert daily(engine, LIGHT, "energy_wh")[day].reading_count == 1

    feed.clock.advance(MIN)
    feed.send(LIGHT, feed.clock.now(), energy_wh=110.0)
    runner.tick()
    # 8:55 → 9:01 brings 10 Wh, one minute of six after 9:00.
    assert hourly(engine, LIGHT, "energy_wh")[T0].increase == pytest.approx(10.0 / 6)
    assert daily(engine, LIGHT, "energy_wh")[day].reading_count == 1  # days: hourly

    feed.clock.advance(59 * MIN)
    runner.tick()
    assert daily(engine, LIGHT, "energy_wh")[day].reading_count == 2
    with engine.connect() as conn:
        oldest = conn.scalar(select(func.min(readings.c.ts)))
    assert oldest is not None and oldest >= T0 - 31 * 24 * 60 * MIN


def test_the_runner_thread_starts_and_stops(engine: Engine) -> None:
    feed = Feed(engine, T0)
    feed.send(LIGHT, T0, energy_wh=100.0)
    with Maintenance(engine, feed.clock, poll_s=0.01) as runner:
        for _ in range(500):
            if runner.last_rollup is not None:
                break
            time.sleep(0.01)
    assert runner.last_rollup is not None and runner.last_rollup.hours == 1


def test_the_command_line_rolls_up_and_prunes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path))
    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    feed = Feed(engine, hour)
    feed.series(LIGHT, "energy_wh", [(hour, 1.0), (hour + MIN, 2.0)])

    runner = CliRunner()
    result = runner.invoke(app, ["rollup"])
    assert result.exit_code == 0, result.output
    assert "Rolled up" in result.output and "days (1 rows)" in result.output
    result = runner.invoke(
        app,
        [
            "rollup",
            "--recompute",
            "--from",
            hour.isoformat(),
            "--to",
            (hour + 60 * MIN).isoformat(),
        ],
    )
    assert result.exit_code == 0 and "Rolled up 1 hours" in result.output, result.output
    assert runner.invoke(app, ["rollup", "--recompute"]).exit_code == 2
    assert runner.invoke(app, ["rollup", "--from", "yesterday"]).exit_code == 2

    result = runner.invoke(app, ["prune", "--retention-days", "1"])
    assert result.exit_code == 0 and "Pruned 0 raw readings" in result.output, result.output
    engine.dispose()
