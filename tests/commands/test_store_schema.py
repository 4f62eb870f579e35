"""Migration 0006 builds exactly the command and lighting tables the code declares, on both
stores."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from vigie.store.schema import metadata

TABLES = {
    "commands",
    "command_municipalities",
    "command_devices",
    "lighting_programs",
    "lighting_groups",
    "lighting_calendar_exceptions",
}


def _ours(name: str | None, kind: str, *_: Any) -> bool:
    # Only our tables: the others carry PostGIS types the reflection does not know.
    return kind != "table" or name in TABLES


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
