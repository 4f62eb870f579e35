"""Migration 0009 re-keys `readings` by hour first, on both stores, without losing a reading:
every row keeps its value, gains its hour, and on SQLite keeps its rowid (the rollups'
watermark counts rows by it); and it goes back down as well."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from tests.schema_drift import schema_differences
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.types import UtcDateTime
from vigie.timeseries.sql import hour_number

T = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)  # the night clocks go forward
READINGS = [
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", T, 100.0),
    ("urn:ngsi-ld:Streetlight:21231:1", "energy_wh", T + timedelta(microseconds=1), 101.0),
    ("urn:ngsi-ld:Streetlight:21231:2", "power_w", T + timedelta(hours=5), 42.5),
]


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    rowid = "rowid" if engine.dialect.name == "sqlite" else "0"
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    f"SELECT {rowid}, asset_id, metric, ts, value FROM readings "
                    "ORDER BY asset_id, ts"
                ).columns(ts=UtcDateTime())
            )
        ]


def test_re_keying_keeps_every_reading_and_gives_it_its_hour(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0008")
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO readings (asset_id, metric, ts, value) VALUES (:a, :m, :ts, :v)"
                ).bindparams(bindparam("ts", type_=UtcDateTime())),
                [{"a": a, "m": m, "ts": ts, "v": v} for a, m, ts, v in READINGS],
            )
        before = _stored(engine)
    finally:
        upgrade_to_head(engine)

    assert _stored(engine) == before
    with engine.connect() as conn:
        hours = conn.execute(
            text("SELECT ts, ts_hour FROM readings ORDER BY ts").columns(ts=UtcDateTime())
        ).all()
    assert [(ts, hour) for ts, hour in hours] == [
        (T, hour_number(T)),
        (T + timedelta(microseconds=1), hour_number(T) + 1),
        (T + timedelta(hours=5), hour_number(T) + 5),
    ]
    assert schema_differences(engine, {"readings"}) == []


def test_it_goes_back_down_keeping_the_readings(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO readings (ts_hour, asset_id, metric, ts, value) "
                "VALUES (:h, :a, :m, :ts, :v)"
            ).bindparams(bindparam("ts", type_=UtcDateTime())),
            [{"h": hour_number(ts), "a": a, "m": m, "ts": ts, "v": v} for a, m, ts, v in READINGS],
        )
    before = _stored(engine)
    command.downgrade(alembic_config(engine), "0008")
    try:
        assert _stored(engine) == before
    finally:
        upgrade_to_head(engine)
    assert _stored(engine) == before
