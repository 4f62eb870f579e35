"""Migration 0010 re-keys `readings_daily` by day first, on both stores, keeping every row,
and goes back down as well."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.types import UtcDateTime

DAY = datetime(2026, 3, 29, tzinfo=UTC)  # the day clocks go forward
ROWS = [
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", DAY, 1_200.0),
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", DAY + timedelta(days=1), 1_150.0),
    ("urn:ngsi-ld:Streetlight:21231:2", "energy_wh", DAY, 900.0),
]


def _insert(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO readings_daily (asset_id, metric, bucket_start, reading_count, "
                "min_value, max_value, sum_value, first_ts, first_value, last_ts, last_value, "
                "increase) VALUES (:a, :m, :d, 24, 0, :v, :v, :d, 0, :d, :v, :v)"
            ).bindparams(bindparam("d", type_=UtcDateTime())),
            [{"a": a, "m": m, "d": d, "v": v} for a, m, d, v in ROWS],
        )


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT asset_id, metric, bucket_start, increase FROM readings_daily "
                    "ORDER BY asset_id, bucket_start"
                ).columns(bucket_start=UtcDateTime())
            )
        ]


def _key(engine: Engine) -> list[str]:
    return list(inspect(engine).get_pk_constraint("readings_daily")["constrained_columns"])


def test_days_lead_the_key_and_every_row_stays(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0009")
    try:
        assert _key(engine) == ["asset_id", "metric", "bucket_start"]
        _insert(engine)
        before = _stored(engine)
    finally:
        upgrade_to_head(engine)

    assert _key(engine) == ["bucket_start", "asset_id", "metric"]
    assert _stored(engine) == before
    assert len(before) == len(ROWS)
    assert schema_differences(engine, {"readings_daily"}) == []


def test_it_goes_back_down_keeping_the_rows(engine: Engine) -> None:
    _insert(engine)
    before = _stored(engine)
    command.downgrade(alembic_config(engine), "0009")
    try:
        assert _key(engine) == ["asset_id", "metric", "bucket_start"]
        assert _stored(engine) == before
    finally:
        upgrade_to_head(engine)
    assert _stored(engine) == before
