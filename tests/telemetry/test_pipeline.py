"""The ingest pipeline on a real store: twin changes vs reports, ordering, dedupe, events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import readings, twin_state
from vigie.telemetry.events import AssetSeen, BatchCommitted, StateChanged
from vigie.telemetry.pipeline import Pipeline, RawMessage
from vigie.telemetry.wal import rewind_log

LIGHT = "urn:ngsi-ld:Streetlight:21231:1"
T0 = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[Any] = []
        for event_type in (StateChanged, AssetSeen, BatchCommitted):
            bus.subscribe(event_type, self.events.append)

    def of(self, event_type: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, event_type)]


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Pipeline, Recorder, ManualClock]]:
    clock = ManualClock(T0 + timedelta(minutes=1))
    with engine.begin() as conn:
        seed_small_network(conn, clock.now())
    bus = EventBus()
    recorder = Recorder(bus)
    yield Pipeline(engine, clock, bus), recorder, clock


def message(asset: str, ts: datetime, **metrics: Any) -> RawMessage:
    payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
    return RawMessage("mqtt", payload, ts, topic_asset=asset)


def test_a_repeated_value_is_reported_not_changed(
    world: tuple[Pipeline, Recorder, ManualClock],
) -> None:
    pipeline, recorder, _ = world
    pipeline.ingest([message(LIGHT, T0, on=True, dim_pct=70)])
    pipeline.ingest([message(LIGHT, T0 + timedelta(seconds=30), on=True, dim_pct=50)])
    changes = [(e.metric, e.previous_value, e.value) for e in recorder.of(StateChanged)]
    assert changes == [("on", None, 1.0), ("dim_pct", None, 70.0), ("dim_pct", 70.0, 50.0)]
    seen = recorder.of(AssetSeen)
    assert [e.ts for e in seen] == [T0, T0 + timedelta(seconds=30)]
    assert pipeline.twin.get(LIGHT, "on").changed_at == T0  # type: ignore[union-attr]


def test_a_late_reading_is_stored_but_never_rolls_the_twin_back(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, recorder, _ = world
    pipeline.ingest([message(LIGHT, T0 + timedelta(minutes=1), dim_pct=50)])
    pipeline.ingest([message(LIGHT, T0, dim_pct=100)])
    assert pipeline.twin.get(LIGHT, "dim_pct").value == 50.0  # type: ignore[union-attr]
    with engine.connect() as conn:
        stored = conn.scalar(select(twin_state.c.value).where(twin_state.c.asset_id == LIGHT))
        history = conn.scalar(select(func.count()).select_from(readings))
    assert stored == 50.0 and history == 2
    assert len(recorder.of(StateChanged)) == 1


def test_duplicates_are_stored_once_and_counted(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, recorder, _ = world
    first = pipeline.ingest([message(LIGHT, T0, on=True, power_w=28.0)] * 3)
    again = pipeline.ingest([message(LIGHT, T0, on=True, power_w=28.0)])
    assert (first.stored, first.duplicates, again.stored, again.duplicates) == (2, 4, 0, 2)
    committed = recorder.of(BatchCommitted)
    assert [(b.stored, b.duplicates) for b in committed] == [(2, 4), (0, 2)]


def test_a_gateway_message_carries_many_assets(
    world: tuple[Pipeline, Recorder, ManualClock],
) -> None:
    pipeline, _, _ = world
    lights = [f"urn:ngsi-ld:Streetlight:21231:{n}" for n in range(1, 11)]
    payload = msgspec.json.encode(
        {"readings": [{"asset": a, "ts": T0.isoformat(), "metrics": {"on": True}} for a in lights]}
    )
    result = pipeline.ingest(
        [
            RawMessage(
                "mqtt", payload, T0, topic_asset="urn:ngsi-ld:StreetlightControlCabinet:21231:1"
            )
        ]
    )
    assert result.stored == 10 and result.rejected == 0


def test_an_asset_registered_after_start_is_accepted_at_once(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, _, clock = world
    new = "urn:ngsi-ld:Camera:21617:1"
    assert pipeline.ingest([message(new, T0, online=True)]).rejected == 1
    with engine.begin() as conn:
        create_assets(
            conn,
            [
                (
                    1,
                    AssetInput(
                        type="Camera",
                        id=new,
                        name="Camera Talant",
                        municipality_code="21617",
                        lon=5.003,
                        lat=47.337,
                        attributes={"camera_kind": "dome", "camera_usage": "security"},
                    ),
                )
            ],
            actor="test",
            now=clock.now(),
        )
    clock.advance(timedelta(seconds=11))  # past the short memory of unknown ids
    assert pipeline.ingest([message(new, T0, online=True)]).stored == 1


def test_the_twin_survives_a_restart(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, _, clock = world
    pipeline.ingest([message(LIGHT, T0, on=True, dim_pct=70)])
    restarted = Pipeline(engine, clock, EventBus())
    assert restarted.twin.get(LIGHT, "dim_pct").value == 70.0  # type: ignore[union-attr]
    assert restarted.twin.last_seen[LIGHT] == T0
    result = restarted.ingest([message(LIGHT, T0 + timedelta(seconds=1), on=True, dim_pct=70)])
    assert result.changes == 0


def test_grouped_batches_share_one_commit_and_keep_their_own_counts(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, recorder, _ = world
    other = "urn:ngsi-ld:Streetlight:21231:2"
    first, second, third = pipeline.ingest_groups(
        [
            [message(LIGHT, T0, on=True, dim_pct=70)],
            # the same reading again (a client's retry), and a later one of another light
            [message(LIGHT, T0, on=True, dim_pct=70), message(other, T0, dim_pct=50)],
            [message(other, T0 + timedelta(seconds=1), dim_pct=40, bogus=1)],
        ]
    )
    assert (first.stored, first.duplicates, first.changes) == (2, 0, 2)
    assert (second.stored, second.duplicates, second.changes) == (1, 2, 0)
    assert (third.stored, third.rejected, third.changes) == (1, 1, 1)
    committed = recorder.of(BatchCommitted)
    assert [(b.messages, b.stored, b.duplicates, b.rejected) for b in committed] == [(4, 4, 2, 1)]
    assert pipeline.twin.get(other, "dim_pct").value == 40.0  # type: ignore[union-attr]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 4


def test_submitted_batches_are_answered_after_their_commit(
    world: tuple[Pipeline, Recorder, ManualClock], engine: Engine
) -> None:
    pipeline, recorder, _ = world
    try:
        futures = [
            pipeline.submit([message(LIGHT, T0 + timedelta(seconds=k), dim_pct=k)])
            for k in range(20)
        ]
        results = [future.result(timeout=60) for future in futures]
    finally:
        pipeline.close()
    assert [r.stored for r in results] == [1] * 20
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 20
    assert sum(b.stored for b in recorder.of(BatchCommitted)) == 20
    assert pipeline.twin.get(LIGHT, "dim_pct").value == 19.0  # type: ignore[union-attr]


def test_while_the_checkpoint_thread_runs_no_commit_copies_the_log_back(tmp_path: Path) -> None:
    """Every connection of the store (the alarm engine's, the rollups') leaves checkpoints to
    the pipeline's thread, and gets SQLite's own behaviour back once the pipeline closes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'vigie.db'}")
    upgrade_to_head(engine)
    first = Pipeline(engine, ManualClock(T0), EventBus(), background_checkpoints=True)
    second = Pipeline(engine, ManualClock(T0), EventBus(), background_checkpoints=True)

    def autocheckpoint_pages() -> int:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    assert autocheckpoint_pages() == 0
    first.close()
    assert autocheckpoint_pages() == 0  # the other pipeline's thread still runs
    second.close()
    assert autocheckpoint_pages() == 1000
    engine.dispose()


def test_rewinding_the_log_empties_it_and_keeps_every_reading(sqlite_engine: Engine) -> None:
    """What the lighting proof does after each roll-up: the log copied back and emptied,
    nothing committed lost."""
    engine = sqlite_engine
    clock = ManualClock(T0 + timedelta(minutes=1))
    with engine.begin() as conn:
        seed_small_network(conn, clock.now())
    pipeline = Pipeline(engine, clock, EventBus(), background_checkpoints=True)
    for k in range(50):
        pipeline.ingest([message(LIGHT, T0 + timedelta(seconds=k), power_w=20.0 + k)])
    wal = Path(f"{engine.url.database}-wal")
    assert wal.stat().st_size > 0
    rewind_log(engine)
    assert wal.stat().st_size == 0
    pipeline.close()
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 50
