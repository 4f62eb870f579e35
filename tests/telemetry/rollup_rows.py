"""Rows written straight into a rollup table, and read back, for the migration tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from vigie.store.types import UtcDateTime

#: (asset id, metric, bucket start, value)
Row = tuple[str, str, datetime, float]


def insert_rows(engine: Engine, table: str, rows: list[Row]) -> None:
    """One row per bucket, as if one reading of `value` had been rolled up into it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {table} (asset_id, metric, bucket_start, reading_count, "
                "min_value, max_value, sum_value, first_ts, first_value, last_ts, last_value, "
                "increase) VALUES (:a, :m, :b, 1, :v, :v, :v, :b, :v, :b, :v, :v)"
            ).bindparams(bindparam("b", type_=UtcDateTime())),
            [{"a": a, "m": m, "b": b, "v": v} for a, m, b, v in rows],
        )


def stored_rows(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    f"SELECT asset_id, metric, bucket_start, last_value, increase FROM {table} "
                    "ORDER BY asset_id, metric, bucket_start"
                ).columns(bucket_start=UtcDateTime())
            )
        ]


def primary_key(engine: Engine, table: str) -> list[str]:
    return list(inspect(engine).get_pk_constraint(table)["constrained_columns"])
