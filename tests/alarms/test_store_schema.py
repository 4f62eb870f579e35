"""Migration 0005 builds exactly the alarm tables the code declares, on both stores."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences

ALARM_TABLES = {"alarms", "alarm_comments"}


def test_the_migration_matches_the_schema(engine: Engine) -> None:
    assert schema_differences(engine, ALARM_TABLES) == []
