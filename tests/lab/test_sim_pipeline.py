"""Simulated telemetry through the real ingest pipeline, in both wire formats (HTTP arrays
and MQTT messages, gateway batches included): every reading accepted, none dead-lettered;
and the HTTP sender's batching and retries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Literal

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.lab.test_sim_twin import START, write_small_city
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.lab.faults.config import FaultConfig
from vigie.lab.runner import RunConfig, replay
from vigie.lab.transport import FollowingClock, HttpSender, PipelineSender
from vigie.registry.snapshot import load_snapshot
from vigie.store.schema import dead_letters, readings
from vigie.telemetry.pipeline import Pipeline, RawMessage


@pytest.mark.parametrize("via", ["http", "mqtt"])
def test_simulated_telemetry_is_accepted_whole(
    sqlite_engine: Engine, via: Literal["http", "mqtt"]
) -> None:
    write_small_city(sqlite_engine)
    clock = FollowingClock(START)
    pipeline = Pipeline(sqlite_engine, clock, EventBus())
    sender = PipelineSender(pipeline, via=via, clock=clock)
    # Dusk falls in this hour (lights switch on: gateway bursts), with many faults.
    config = RunConfig(
        seed=3,
        start=START + timedelta(hours=1),
        duration=timedelta(minutes=40),
        faults=FaultConfig.scaled(300),
    )
    totals = replay(load_snapshot(sqlite_engine), config, sender)
    assert sender.rejections == []
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(dead_letters)) == 0
        stored_assets = conn.scalar(select(func.count(func.distinct(readings.c.asset_id))))
        stored_energy = dict(
            conn.execute(
                select(readings.c.asset_id, func.max(readings.c.value) - func.min(readings.c.value))
                .where(readings.c.metric == "energy_wh")
                .group_by(readings.c.asset_id)
            ).all()
        )
    # The store sees exactly the energy the simulator says its counters advanced by.
    assert stored_energy == pytest.approx(totals["energy_wh"]["by_asset"], abs=1e-6)
    assert sender.stats.server["rejected"] == 0
    # One row per metric value: more rows than readings.
    assert sender.stats.server["stored"] > totals["readings"]
    assert totals["faults"]["injected"] > 0
    # Every asset reported, and every meter under its own id.
    twin = load_snapshot(sqlite_engine)
    meters = sum(1 for b in twin.of_type("Building") for p in b.parts if p.kind == "meter")
    assert stored_assets == len(twin) + meters


def test_the_http_sender_posts_gateway_sized_batches_and_retries(sqlite_engine: Engine) -> None:
    write_small_city(sqlite_engine)
    pipeline = Pipeline(sqlite_engine, ManualClock(START + timedelta(hours=1)), EventBus())
    sizes: list[int] = []

    def post(body: bytes) -> tuple[int, bytes]:
        """What the telemetry endpoint does: ingest, answer 202 with counts (after one
        overloaded answer, to see the sender retry)."""
        if not sizes:
            sizes.append(0)
            return 503, b'{"title": "busy"}'
        sizes.append(len(body))
        result = pipeline.ingest([RawMessage("http", body, pipeline.clock.now(), "json")])
        return 202, json.dumps({"stored": result.stored, "rejected": result.rejected}).encode()

    sender = HttpSender(post, retry_delays_s=(0.01,))
    config = RunConfig(seed=2, start=START, duration=timedelta(minutes=10), faults=FaultConfig())
    totals = replay(load_snapshot(sqlite_engine), config, sender)
    assert sender.stats.retries == 1
    assert sender.stats.failed_readings == 0
    assert sender.stats.readings == totals["readings"]
    assert sender.stats.server["rejected"] == 0 and sender.stats.server["stored"] > 0
    assert max(sizes) < 1_048_576
    assert sender.stats.messages == len(sizes) - 1 >= totals["readings"] // 1_000
