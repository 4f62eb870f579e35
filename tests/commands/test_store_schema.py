"""Migration 0006 builds exactly the command and lighting tables the code declares, on both
stores."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences

TABLES = {
    "commands",
    "command_municipalities",
    "command_devices",
    "lighting_programs",
    "lighting_groups",
    "lighting_calendar_exceptions",
}


def test_the_migration_matches_the_schema(engine: Engine) -> None:
    assert schema_differences(engine, TABLES) == []
