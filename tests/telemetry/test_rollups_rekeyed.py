"""Migrations 0010 and 0011 re-key `readings_daily` and `readings_hourly` by their bucket
first, on both stores, keeping every row, and go back down as well; 0011 also fills
`counter_latest_hours` with each counter series' first and latest two hourly rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from tests.telemetry.rollup_rows import Row, insert_rows, primary_key, stored_rows
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.types import UtcDateTime

H9 = datetime(2026, 3, 29, 9, tzinfo=UTC)  # the day clocks go forward
H, DAY = timedelta(hours=1), timedelta(days=1)
LIGHT, OTHER = "urn:ngsi-ld:Streetlight:21231:1", "urn:ngsi-ld:Streetlight:21231:2"
HOURS: list[Row] = [
    (LIGHT, "energy_wh", H9, 100.0),
    (LIGHT, "energy_wh", H9 + 2 * H, 130.0),
    (LIGHT, "energy_wh", H9 + 26 * H, 400.0),
    (LIGHT, "power_w", H9 + 26 * H, 42.0),  # not a counter: no starting value needed
    (OTHER, "energy_wh", H9 + H, 7.0),
]
MIDNIGHT = H9 - 9 * H
DAYS: list[Row] = [
    (LIGHT, "energy_wh", MIDNIGHT, 1_200.0),
    (LIGHT, "energy_wh", MIDNIGHT + DAY, 1_150.0),
    (OTHER, "energy_wh", MIDNIGHT, 900.0),
]
#: (table, the revision before its re-keying, rows)
CASES = [("readings_daily", "0009", DAYS), ("readings_hourly", "0010", HOURS)]
SERIES_FIRST = ["asset_id", "metric", "bucket_start"]
BUCKET_FIRST = ["bucket_start", "asset_id", "metric"]


@pytest.mark.parametrize(("table", "before", "rows"), CASES)
def test_the_bucket_leads_the_key_and_every_row_stays(
    engine: Engine, table: str, before: str, rows: list[Row]
) -> None:
    command.downgrade(alembic_config(engine), before)
    try:
        assert primary_key(engine, table) == SERIES_FIRST
        insert_rows(engine, table, rows)
        stored = stored_rows(engine, table)
    finally:
        upgrade_to_head(engine)

    assert primary_key(engine, table) == BUCKET_FIRST
    assert stored_rows(engine, table) == stored and len(stored) == len(rows)
    assert schema_differences(engine, {table, "counter_latest_hours"}) == []


@pytest.mark.parametrize(("table", "before", "rows"), CASES)
def test_it_goes_back_down_keeping_the_rows(
    engine: Engine, table: str, before: str, rows: list[Row]
) -> None:
    insert_rows(engine, table, rows)
    stored = stored_rows(engine, table)
    command.downgrade(alembic_config(engine), before)
    try:
        assert primary_key(engine, table) == SERIES_FIRST
        assert "counter_latest_hours" not in inspect(engine).get_table_names()
        assert stored_rows(engine, table) == stored
    finally:
        upgrade_to_head(engine)
    assert stored_rows(engine, table) == stored


def test_each_counter_knows_where_it_starts_and_its_latest_rows(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0010")
    try:
        insert_rows(engine, "readings_hourly", HOURS)
    finally:
        upgrade_to_head(engine)
    with engine.connect() as conn:
        latest = conn.execute(
            text(
                "SELECT asset_id, metric, first_start, latest_start, latest_value, "
                "previous_start, previous_value FROM counter_latest_hours ORDER BY asset_id"
            ).columns(
                first_start=UtcDateTime(), latest_start=UtcDateTime(), previous_start=UtcDateTime()
            )
        ).all()
    assert [tuple(row) for row in latest] == [
        (LIGHT, "energy_wh", H9, H9 + 26 * H, 400.0, H9 + 2 * H, 130.0),
        (OTHER, "energy_wh", H9 + H, H9 + H, 7.0, None, None),
    ]
