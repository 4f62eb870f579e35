"""Hourly and daily rollups on both stores: the arithmetic on a hand-computed case, the
counter rule (pro rata across an hour boundary, resets, silences), idempotence and
incremental runs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from tests.telemetry.series_feed import LIGHT, OTHER_LIGHT, Feed, daily, hourly
from vigie.store.schema import readings_hourly
from vigie.timeseries.rollups import mark_for_recompute

T9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)


@pytest.fixture
def feed(engine: Engine) -> Feed:
    return Feed(engine, T9 + 6 * H)


def test_a_hand_computed_hour_boundary_and_reset(feed: Feed, engine: Engine) -> None:
    # energy_wh: 100 @9:40, 110 @9:50, 130 @10:10 (the 20 Wh of 9:50→10:10 are split 10/10
    # at 10:00), then 5 @10:30 (a reset: the advance is 5, not -125), 15 @10:50.
    points = [(40, 100.0), (50, 110.0), (70, 130.0), (90, 5.0), (110, 15.0)]
    feed.series(LIGHT, "energy_wh", [(T9 + m * MIN, v) for m, v in points])
    feed.series(LIGHT, "power_w", [(T9 + m * MIN, v / 10) for m, v in points])
    feed.send(LIGHT, T9 + 45 * MIN, on=True)
    feed.send(LIGHT, T9 + 75 * MIN, on=False)
    feed.roll_up()

    energy = hourly(engine, LIGHT, "energy_wh")
    nine, ten = energy[T9], energy[T9 + H]
    assert (nine.reading_count, nine.min_value, nine.max_value, nine.sum_value) == (
        2,
        100.0,
        110.0,
        210.0,
    )
    assert (nine.first_ts, nine.first_value, nine.last_ts, nine.last_value) == (
        T9 + 40 * MIN,
        100.0,
        T9 + 50 * MIN,
        110.0,
    )
    assert nine.increase == pytest.approx(10.0 + 10.0)
    assert ten.reading_count == 3 and (ten.min_value, ten.max_value) == (5.0, 130.0)
    assert ten.increase == pytest.approx(10.0 + 5.0 + 10.0)
    day = daily(engine, LIGHT, "energy_wh")[T9.replace(hour=0)]
    assert day.increase == pytest.approx(45.0)
    assert (day.reading_count, day.first_value, day.last_value) == (5, 100.0, 15.0)
    assert (day.first_ts, day.last_ts) == (T9 + 40 * MIN, T9 + 110 * MIN)

    power = hourly(engine, LIGHT, "power_w")
    assert power[T9].increase is None  # not a counter: no increase, no integral
    assert power[T9 + H].sum_value / power[T9 + H].reading_count == pytest.approx(5.0)
    on = hourly(engine, LIGHT, "on")
    assert (on[T9].max_value, on[T9 + H].min_value) == (1.0, 0.0)


def test_after_a_silence_longer_than_an_hour_the_advance_goes_to_the_later_hour(
    feed: Feed, engine: Engine
) -> None:
    feed.series(LIGHT, "energy_wh", [(T9 + 50 * MIN, 100.0), (T9 + 2 * H + 20 * MIN, 190.0)])
    feed.roll_up()
    energy = hourly(engine, LIGHT, "energy_wh")
    assert set(energy) == {T9, T9 + 2 * H}  # no rows for the silent hour
    assert (energy[T9].increase, energy[T9 + 2 * H].increase) == (0.0, 90.0)


def test_a_late_reading_and_a_later_run_recompute_only_what_changed(
    feed: Feed, engine: Engine
) -> None:
    feed.series(LIGHT, "energy_wh", [(T9 + 50 * MIN, 100.0), (T9 + 70 * MIN, 120.0)])
    feed.series(OTHER_LIGHT, "energy_wh", [(T9 + 3 * H, 7.0), (T9 + 3 * H + 10 * MIN, 9.0)])
    feed.roll_up()
    assert hourly(engine, LIGHT, "energy_wh")[T9].increase == pytest.approx(10.0)

    # Nothing new: nothing to do.
    assert feed.roll_up().hours == 0
    # A tampered row of an hour nobody touches stays as it is: it is not recomputed.
    with engine.begin() as conn:
        conn.execute(
            update(readings_hourly)
            .where(readings_hourly.c.asset_id == OTHER_LIGHT)
            .values(reading_count=99)
        )
    # A late reading at 9:58 changes how 9:50→10:10 is split, and the hours around it.
    feed.send(LIGHT, T9 + 58 * MIN, energy_wh=118.0)
    again = feed.roll_up()
    # 9h, and 10h: the advance across 10:00 now starts at 9:58. Not 8h: 9h's first reading
    # is still the one of 9:50.
    assert again.hours == 2 and again.days == 1
    energy = hourly(engine, LIGHT, "energy_wh")
    # 9:50→9:58 brings 18 Wh; 9:58→10:10 brings 2 Wh, 2 of its 12 minutes before 10:00.
    assert energy[T9].increase == pytest.approx(18.0 + 2.0 * 2 / 12)
    assert energy[T9 + H].increase == pytest.approx(2.0 * 10 / 12)
    assert hourly(engine, OTHER_LIGHT, "energy_wh")[T9 + 3 * H].reading_count == 99


def test_rolling_up_again_changes_nothing(feed: Feed, engine: Engine) -> None:
    feed.series(LIGHT, "energy_wh", [(T9 + k * 15 * MIN, 10.0 * k) for k in range(12)])
    feed.roll_up()
    before = hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")
    with engine.begin() as conn:
        mark_for_recompute(conn, T9 - H, T9 + 5 * H)
    report = feed.roll_up()
    assert report.hours == 6 and report.days == 1
    assert (hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")) == before
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings_hourly)) == 3


def test_hourly_and_daily_increases_add_up_to_the_counters_own_advance(
    feed: Feed, engine: Engine
) -> None:
    """Two days of irregular reports (gaps, a reset), in several ingest and rollup rounds."""
    rng = random.Random(7)
    ts, value, expected, resets = T9 - 9 * H, 1_000.0, 0.0, 0
    points = []
    while ts < T9 + 39 * H:
        ts += timedelta(seconds=rng.choice([300, 600, 900, 900, 900, 4_000, 9_000]))
        step = rng.uniform(0.0, 40.0)
        if rng.random() < 0.01:
            value, step = step, step  # a reset: the counter starts again near zero
            resets += 1
        else:
            value += step
        expected += step if points else 0.0
        points.append((ts, value))
    assert resets > 0
    for start in range(0, len(points), 40):
        feed.clock.advance(max(points[start][0] - feed.clock.now(), timedelta(0)))
        feed.series(LIGHT, "energy_wh", points[start : start + 40])
        feed.roll_up()
    hours = hourly(engine, LIGHT, "energy_wh").values()
    days = daily(engine, LIGHT, "energy_wh").values()
    assert all(row.increase >= 0 for row in hours)
    assert sum(row.increase for row in hours) == pytest.approx(expected, rel=1e-9)
    assert sum(row.increase for row in days) == pytest.approx(expected, rel=1e-9)
    assert sum(row.reading_count for row in days) == len(points)


def test_a_counter_reporting_once_a_day_gets_each_days_advance(feed: Feed, engine: Engine) -> None:
    # As the lighting proof's nodes do: one counter reading a day, each preceded by a silence
    # of 24 hours, whether the days are rolled up together or one by one.
    days = [(T9 + d * 24 * H, 1_000.0 + 240.0 * d) for d in range(4)]
    feed.series(LIGHT, "energy_wh", days[:2])
    feed.roll_up()
    feed.series(LIGHT, "energy_wh", days[2:])
    feed.series(OTHER_LIGHT, "energy_wh", days)
    feed.roll_up()
    for light in (LIGHT, OTHER_LIGHT):
        energy = hourly(engine, light, "energy_wh")
        assert [energy[ts].increase for ts, _ in days] == [0.0, 240.0, 240.0, 240.0]
        assert sum(d.increase or 0.0 for d in daily(engine, light, "energy_wh").values()) == 720.0


def test_a_rebuild_of_a_once_a_day_counter_finds_each_silences_start(
    feed: Feed, engine: Engine
) -> None:
    # Recomputed after later hours exist, a day's hour cannot take the series' latest hourly
    # rows as its starting value: it searches the hours before it.
    days = _four_daily_readings(feed)
    before = hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")
    with engine.begin() as conn:
        mark_for_recompute(conn, T9 - H, T9 + 4 * 24 * H)
    feed.roll_up()
    assert (hourly(engine, LIGHT, "energy_wh"), daily(engine, LIGHT, "energy_wh")) == before
    energy = hourly(engine, LIGHT, "energy_wh")
    assert [energy[ts].increase for ts, _ in days] == [0.0, 240.0, 240.0, 240.0]


def test_a_late_reading_between_two_daily_ones_advances_from_the_one_before(
    feed: Feed, engine: Engine
) -> None:
    _four_daily_readings(feed)
    # Noon of the second day, reported late: it follows the reading of 9:00 that day.
    feed.send(LIGHT, T9 + 24 * H + 3 * H, energy_wh=1_300.0)
    feed.roll_up()
    assert hourly(engine, LIGHT, "energy_wh")[T9 + 27 * H].increase == pytest.approx(60.0)


def _four_daily_readings(feed: Feed) -> list[tuple[datetime, float]]:
    """LIGHT's counter read once a day at 9:00 for four days (240 Wh a day), rolled up."""
    days = [(T9 + d * 24 * H, 1_000.0 + 240.0 * d) for d in range(4)]
    feed.series(LIGHT, "energy_wh", days)
    feed.roll_up()
    return days
