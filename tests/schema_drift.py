"""What separates the migrated store from the tables the code declares (`store.schema`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from vigie.store.schema import metadata


def schema_differences(engine: Engine, tables: Collection[str]) -> list[Any]:
    """Alembic's differences between the store and `store.schema`, for `tables` only (the
    others carry PostGIS types the reflection does not know); [] when they agree."""

    def ours(name: str | None, kind: str) -> bool:
        return kind != "table" or name in tables

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, parent: ours(name, kind),
                "include_object": lambda obj, name, kind, reflected, to: ours(name, kind),
            },
        )
        differences: list[Any] = compare_metadata(context, metadata)
        return differences
