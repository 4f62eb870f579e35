"""Migration 0011 re-keys `readings_hourly` by hour first and fills `counter_latest_hours`
with each counter series' latest two hourly rows, on both stores; and it goes back down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from tests.telemetry.rollup_rows import Row, insert_rows, primary_key, stored_rows
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.types import UtcDateTime

H9 = datetime(2026, 3, 29, 9, tzinfo=UTC)
H = timedelta(hours=1)
LIGHT, OTHER = "urn:ngsi-ld:Streetlight:21231:1", "urn:ngsi-ld:Streetlight:21231:2"
ROWS: list[Row] = [
    (LIGHT, "energy_wh", H9, 100.0),
    (LIGHT, "energy_wh", H9 + 2 * H, 130.0),
    (LIGHT, "energy_wh", H9 + 26 * H, 400.0),
    (LIGHT, "power_w", H9 + 26 * H, 42.0),  # not a counter: no starting value needed
    (OTHER, "energy_wh", H9 + H, 7.0),
]
TABLE = "readings_hourly"


def test_hours_lead_the_key_and_each_counter_knows_its_latest_rows(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0010")
    try:
        assert primary_key(engine, TABLE) == ["asset_id", "metric", "bucket_start"]
        insert_rows(engine, TABLE, ROWS)
        before = stored_rows(engine, TABLE)
    finally:
        upgrade_to_head(engine)

    assert primary_key(engine, TABLE) == ["bucket_start", "asset_id", "metric"]
    assert stored_rows(engine, TABLE) == before and len(before) == len(ROWS)
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
    assert schema_differences(engine, {TABLE, "counter_latest_hours"}) == []


def test_it_goes_back_down_keeping_the_rows(engine: Engine) -> None:
    insert_rows(engine, TABLE, ROWS)
    before = stored_rows(engine, TABLE)
    command.downgrade(alembic_config(engine), "0010")
    try:
        assert primary_key(engine, TABLE) == ["asset_id", "metric", "bucket_start"]
        assert "counter_latest_hours" not in inspect(engine).get_table_names()
        assert stored_rows(engine, TABLE) == before
    finally:
        upgrade_to_head(engine)
    assert stored_rows(engine, TABLE) == before
