"""Dead letters are kept for their retention, then the hourly housekeeping deletes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.store.schema import dead_letters
from vigie.telemetry.dead_letter_retention import (
    DEAD_LETTER_RETENTION_VARIABLE,
    dead_letter_retention_days,
    prune_dead_letters,
)
from vigie.telemetry.pipeline import Pipeline, RawMessage
from vigie.timeseries.maintenance import Maintenance

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _reject(pipeline: Pipeline, clock: ManualClock, garbage: bytes) -> None:
    pipeline.ingest([RawMessage("http", garbage, clock.now())])


def _reasons(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(dead_letters.c.payload).order_by(dead_letters.c.id)))


def test_dead_letters_past_their_retention_go_and_recent_ones_stay(engine: Engine) -> None:
    clock = ManualClock(T0)
    pipeline = Pipeline(engine, clock, EventBus())
    _reject(pipeline, clock, b"{not json, day 0")
    clock.advance(timedelta(days=50))
    _reject(pipeline, clock, b"{not json, day 50")
    assert _reasons(engine) == ["{not json, day 0", "{not json, day 50"]

    deleted = prune_dead_letters(engine, T0 + timedelta(days=60), retention_days=30)

    assert deleted == 1
    assert _reasons(engine) == ["{not json, day 50"]


def test_the_hourly_housekeeping_prunes_dead_letters(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEAD_LETTER_RETENTION_VARIABLE, "7")
    clock = ManualClock(T0)
    pipeline = Pipeline(engine, clock, EventBus())
    _reject(pipeline, clock, b"\xff\xfe garbage")
    clock.advance(timedelta(days=8))

    housekeeping = Maintenance(engine, clock, retention_days=30)
    housekeeping.tick()

    assert _reasons(engine) == []
    assert housekeeping.dead_letters_deleted == 1


def test_the_retention_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEAD_LETTER_RETENTION_VARIABLE, raising=False)
    assert dead_letter_retention_days() == 90
    monkeypatch.setenv(DEAD_LETTER_RETENTION_VARIABLE, "0")
    with pytest.raises(ValueError, match="at least 1 day"):
        dead_letter_retention_days()
