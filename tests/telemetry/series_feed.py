"""Feeding real readings through the ingest pipeline, and reading rollups back, for the
time-series tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.store.schema import readings_daily, readings_hourly
from vigie.telemetry.pipeline import Limits, Pipeline, RawMessage
from vigie.timeseries.maintenance import roll_up_in_steps
from vigie.timeseries.rollups import RollupReport

LIGHT = "urn:ngsi-ld:Streetlight:21231:1"
OTHER_LIGHT = "urn:ngsi-ld:Streetlight:21231:2"
TALANT_LIGHT = "urn:ngsi-ld:Streetlight:21617:1"


class Feed:
    """A pipeline on a seeded store whose clock follows the readings it is given."""

    def __init__(self, engine: Engine, start: datetime, *, seed: bool = True) -> None:
        self.engine = engine
        self.clock = ManualClock(start)
        if seed:
            with engine.begin() as conn:
                seed_small_network(conn, start)
        # Wide limits: these tests place readings anywhere in time on purpose.
        limits = Limits(future_tolerance=timedelta(days=30_000), max_age=timedelta(days=30_000))
        self.pipeline = Pipeline(engine, self.clock, EventBus(), limits=limits)

    def send(self, asset: str, ts: datetime, **metrics: Any) -> None:
        self.send_batch([message(asset, ts, **metrics)])

    def send_batch(self, messages: list[RawMessage]) -> None:
        """Ingest these messages as one batch (one transaction)."""
        result = self.pipeline.ingest(messages)
        assert result.rejected == 0, result.reasons

    def series(self, asset: str, metric: str, points: list[tuple[datetime, float]]) -> None:
        """Send one reading per point, as separate messages, in the order given."""
        for ts, value in points:
            self.send(asset, ts, **{metric: value})

    def roll_up(self) -> RollupReport:
        return roll_up_in_steps(self.engine)


def message(asset: str, ts: datetime, **metrics: Any) -> RawMessage:
    payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
    return RawMessage("mqtt", payload, ts, topic_asset=asset)


def hourly(engine: Engine, asset: str, metric: str) -> dict[datetime, Any]:
    return _rows(engine, readings_hourly, asset, metric)


def daily(engine: Engine, asset: str, metric: str) -> dict[datetime, Any]:
    return _rows(engine, readings_daily, asset, metric)


def _rows(engine: Engine, table: Any, asset: str, metric: str) -> dict[datetime, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.asset_id == asset, table.c.metric == metric)
            .order_by(table.c.bucket_start)
        ).all()
    return {row.bucket_start: row for row in rows}
