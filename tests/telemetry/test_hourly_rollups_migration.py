"""Migration 0011 re-keys `readings_hourly` by hour first and fills `counter_latest_hours`
with each counter series' latest two hourly rows, on both stores; and it goes back down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.types import UtcDateTime

H9 = datetime(2026, 3, 29, 9, tzinfo=UTC)
H = timedelta(hours=1)
LIGHT, OTHER = "urn:ngsi-ld:Streetlight:21231:1", "urn:ngsi-ld:Streetlight:21231:2"
ROWS = [
    (LIGHT, "energy_wh", H9, 100.0),
    (LIGHT, "energy_wh", H9 + 2 * H, 130.0),
    (LIGHT, "energy_wh", H9 + 26 * H, 400.0),
    (LIGHT, "power_w", H9 + 26 * H, 42.0),  # not a counter: no starting value needed
    (OTHER, "energy_wh", H9 + H, 7.0),
]


def _insert(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO readings_hourly (asset_id, metric, bucket_start, reading_count, "
                "min_value, max_value, sum_value, first_ts, first_value, last_ts, last_value, "
                "increase) VALUES (:a, :m, :h, 1, :v, :v, :v, :h, :v, :h, :v, 0)"
            ).bindparams(bindparam("h", type_=UtcDateTime())),
            [{"a": a, "m": m, "h": h, "v": v} for a, m, h, v in ROWS],
        )


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT asset_id, metric, bucket_start, last_value FROM readings_hourly "
                    "ORDER BY asset_id, metric, bucket_start"
                ).columns(bucket_start=UtcDateTime())
            )
        ]


def _key(engine: Engine) -> list[str]:
    return list(inspect(engine).get_pk_constraint("readings_hourly")["constrained_columns"])


def test_hours_lead_the_key_and_each_counter_knows_its_latest_rows(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0010")
    try:
        assert _key(engine) == ["asset_id", "metric", "bucket_start"]
        _insert(engine)
        before = _stored(engine)
    finally:
        upgrade_to_head(engine)

    assert _key(engine) == ["bucket_start", "asset_id", "metric"]
    assert _stored(engine) == before and len(before) == len(ROWS)
    with engine.connect() as conn:
        latest = conn.execute(
            text(
                "SELECT asset_id, metric, latest_start, latest_value, previous_start, "
                "previous_value FROM counter_latest_hours ORDER BY asset_id"
            ).columns(latest_start=UtcDateTime(), previous_start=UtcDateTime())
        ).all()
    assert [tuple(row) for row in latest] == [
        (LIGHT, "energy_wh", H9 + 26 * H, 400.0, H9 + 2 * H, 130.0),
        (OTHER, "energy_wh", H9 + H, 7.0, None, None),
    ]
    assert schema_differences(engine, {"readings_hourly", "counter_latest_hours"}) == []


def test_it_goes_back_down_keeping_the_rows(engine: Engine) -> None:
    _insert(engine)
    before = _stored(engine)
    command.downgrade(alembic_config(engine), "0010")
    try:
        assert _key(engine) == ["asset_id", "metric", "bucket_start"]
        assert "counter_latest_hours" not in inspect(engine).get_table_names()
        assert _stored(engine) == before
    finally:
        upgrade_to_head(engine)
    assert _stored(engine) == before
