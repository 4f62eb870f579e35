"""Migration 0010 re-keys `readings_daily` by day first, on both stores, keeping every row,
and goes back down as well."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from tests.telemetry.rollup_rows import Row, insert_rows, primary_key, stored_rows
from vigie.store.migrate import alembic_config, upgrade_to_head

DAY = datetime(2026, 3, 29, tzinfo=UTC)  # the day clocks go forward
ROWS: list[Row] = [
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", DAY, 1_200.0),
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", DAY + timedelta(days=1), 1_150.0),
    ("urn:ngsi-ld:Streetlight:21231:2", "energy_wh", DAY, 900.0),
]
TABLE = "readings_daily"


def test_days_lead_the_key_and_every_row_stays(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0009")
    try:
        assert primary_key(engine, TABLE) == ["asset_id", "metric", "bucket_start"]
        insert_rows(engine, TABLE, ROWS)
        before = stored_rows(engine, TABLE)
    finally:
        upgrade_to_head(engine)

    assert primary_key(engine, TABLE) == ["bucket_start", "asset_id", "metric"]
    assert stored_rows(engine, TABLE) == before and len(before) == len(ROWS)
    assert schema_differences(engine, {TABLE}) == []


def test_it_goes_back_down_keeping_the_rows(engine: Engine) -> None:
    insert_rows(engine, TABLE, ROWS)
    before = stored_rows(engine, TABLE)
    command.downgrade(alembic_config(engine), "0009")
    try:
        assert primary_key(engine, TABLE) == ["asset_id", "metric", "bucket_start"]
        assert stored_rows(engine, TABLE) == before
    finally:
        upgrade_to_head(engine)
    assert stored_rows(engine, TABLE) == before
