"""Migration 0004 builds exactly the time-series tables the code declares, on both stores
(on PostgreSQL, `readings` rebuilt as a partitioned table included)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences

TIME_SERIES_TABLES = {
    "readings",
    "readings_hourly",
    "readings_daily",
    "rollup_pending",
    "timeseries_watermarks",
}


def test_the_migration_matches_the_schema(engine: Engine) -> None:
    assert schema_differences(engine, TIME_SERIES_TABLES) == []
