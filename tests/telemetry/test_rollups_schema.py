"""Migration 0004 builds exactly the time-series tables the code declares, on both stores
(on PostgreSQL, `readings` rebuilt as a partitioned table included)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from vigie.store.schema import metadata

TIME_SERIES_TABLES = {
    "readings",
    "readings_hourly",
    "readings_daily",
    "rollup_pending",
    "timeseries_watermarks",
}


def _ours(name: str | None, kind: str, *_: Any) -> bool:
    # Only these tables: the others carry PostGIS types the reflection does not know.
    return kind != "table" or name in TIME_SERIES_TABLES


def test_the_migration_matches_the_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, parent: _ours(name, kind),
                "include_object": lambda obj, name, kind, reflected, to: _ours(name, kind),
            },
        )
        assert compare_metadata(context, metadata) == []
