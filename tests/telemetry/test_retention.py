"""Retention of raw readings: past the retention they go, rollups stay, and nothing an
un-rolled hour still needs is deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.telemetry.series_feed import LIGHT, OTHER_LIGHT, Feed, daily, hourly
from vigie.store.partitions import existing_months
from vigie.store.schema import readings
from vigie.timeseries.maintenance import prune_in_steps
from vigie.timeseries.retention import RETENTION_VARIABLE, prune, raw_retention_days
from vigie.timeseries.rollups import mark_for_recompute

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
OLD = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)  # 49 days before NOW
RECENT = NOW - timedelta(days=2)
MIN = timedelta(minutes=1)


def _raw(engine: Engine) -> list[datetime]:
    with engine.connect() as conn:
        return list(conn.scalars(select(readings.c.ts).order_by(readings.c.ts)))


@pytest.fixture
def feed(engine: Engine) -> Feed:
    feed = Feed(engine, NOW)
    for start in (OLD, RECENT):
        feed.series(LIGHT, "energy_wh", [(start + k * 15 * MIN, 100.0 + k) for k in range(4)])
    return feed


def test_old_raw_readings_go_and_their_rollups_stay(feed: Feed, engine: Engine) -> None:
    feed.roll_up()
    before = hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")
    report = prune_in_steps(engine, NOW, retention_days=30)
    assert report.cutoff == NOW - timedelta(days=30)
    assert report.deleted_rows == (4 if engine.dialect.name == "sqlite" else 0)
    assert _raw(engine) == [RECENT + k * 15 * MIN for k in range(4)]
    assert (hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")) == before
    # Recomputing hours whose raw readings are gone leaves their rollups alone.
    with engine.begin() as conn:
        mark_for_recompute(conn, OLD - timedelta(hours=2), OLD + timedelta(hours=3))
    feed.roll_up()
    assert hourly(engine, LIGHT, "energy_wh") == before[0]


def test_raw_readings_not_rolled_up_yet_are_kept(feed: Feed, engine: Engine) -> None:
    with engine.begin() as conn:
        report = prune(conn, NOW, retention_days=30)
    assert report.deleted_rows == 0 and report.dropped_partitions == []
    assert report.cutoff is not None and report.cutoff < OLD
    assert len(_raw(engine)) == 8
    feed.roll_up()
    with engine.begin() as conn:
        prune(conn, NOW, retention_days=30)
    assert len(_raw(engine)) == 4
    assert hourly(engine, LIGHT, "energy_wh")[OLD].increase == pytest.approx(3.0)


def test_whole_months_past_the_retention_are_dropped_on_postgresql(
    feed: Feed, engine: Engine
) -> None:
    feb = datetime(2026, 2, 9, 18, 0, tzinfo=UTC)  # after the cut-off of 2026-02-08 12:00
    feed.send(OTHER_LIGHT, datetime(2026, 2, 3, 18, 0, tzinfo=UTC), energy_wh=5.0)
    feed.send(OTHER_LIGHT, feb, energy_wh=6.0)
    feed.roll_up()
    report = prune_in_steps(engine, NOW, retention_days=30)
    assert _raw(engine)[0] == feb
    if engine.dialect.name != "postgresql":
        return
    assert report.dropped_partitions == ["readings_2026_01"]
    assert report.deleted_rows == 1  # the early-February reading, from a partition kept
    with engine.connect() as conn:
        months = existing_months(conn)
    assert datetime(2026, 1, 1, tzinfo=UTC) not in months
    assert datetime(2026, 2, 1, tzinfo=UTC) in months
    # A reading for a dropped month still finds a home: its partition is made again.
    feed.send(OTHER_LIGHT, OLD, energy_wh=1.0)
    assert OLD in _raw(engine)


def test_the_newest_reading_outlives_the_retention_until_a_newer_one_comes(
    feed: Feed, engine: Engine
) -> None:
    """On SQLite the newest row's rowid is the harvest watermark: deleting it would let the
    next reading reuse a rowid the harvest has passed, and never be rolled up."""
    feed.roll_up()
    late_old = OLD + timedelta(hours=5)
    feed.send(OTHER_LIGHT, late_old, energy_wh=3.0)  # stored last, long past the retention
    feed.roll_up()
    prune_in_steps(engine, NOW, retention_days=30)
    kept = _raw(engine)
    assert (late_old in kept) == (engine.dialect.name == "sqlite")
    newer = NOW - timedelta(minutes=5)
    feed.send(OTHER_LIGHT, newer, energy_wh=4.0)
    feed.roll_up()
    assert newer.replace(minute=0) in hourly(engine, OTHER_LIGHT, "energy_wh")
    prune_in_steps(engine, NOW, retention_days=30)
    assert late_old not in _raw(engine)


def test_a_large_backlog_is_pruned_in_several_steps(feed: Feed, engine: Engine) -> None:
    february = [datetime(2026, 2, day, 10, 0, tzinfo=UTC) for day in (2, 3, 4)]
    feed.series(OTHER_LIGHT, "energy_wh", [(ts, 1.0) for ts in february])
    feed.roll_up()
    with engine.begin() as conn:
        step = prune(conn, NOW, retention_days=30, max_span=timedelta(hours=1))
    assert step.more and step.deleted_rows > 0
    assert step.cutoff is not None and step.cutoff < february[1]
    prune_in_steps(engine, NOW, retention_days=30)
    newest_row = [february[-1]] if engine.dialect.name == "sqlite" else []  # see above
    assert _raw(engine) == newest_row + [RECENT + k * 15 * MIN for k in range(4)]


def test_the_retention_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETENTION_VARIABLE, raising=False)
    assert raw_retention_days() == 30
    monkeypatch.setenv(RETENTION_VARIABLE, "90")
    assert raw_retention_days() == 90
    monkeypatch.setenv(RETENTION_VARIABLE, "0")
    with pytest.raises(ValueError):
        raw_retention_days()
