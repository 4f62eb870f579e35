"""Readings published at QoS 1 to a real Mosquitto reach the store and the twin, once."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tests.adapters.checks import count, dead_letter_count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import (
    FED_LIGHTS,
    LIGHT_METRICS,
    LIGHTS,
    gateway_message,
    light_message,
    light_reading,
    unique_ts,
)
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.core.bus import EventBus
from vigie.protocol.topics import topic_for
from vigie.store.schema import dead_letters, twin_state
from vigie.telemetry.events import BatchCommitted, StateChanged
from vigie.telemetry.pipeline import IngestResult, RawMessage


def test_readings_are_stored_and_the_twin_updated(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    bus = EventBus()
    changes: list[StateChanged] = []
    bus.subscribe(StateChanged, changes.append)
    worker = start_worker(bus=bus)
    messages = [light_message(n) for n in range(30)] + [gateway_message(100, 20)]
    with Publisher(mosquitto.url) as device:
        device.publish(messages)

    expected = 50 * LIGHT_METRICS
    wait_until(lambda: count(store) == expected, what=f"{expected} readings")
    wait_until(lambda: worker.stats.acknowledged == len(messages), what="every message acked")
    assert dead_letter_count(store) == 0
    with store.connect() as conn:
        light = FED_LIGHTS[119 % len(FED_LIGHTS)]  # the last reading of the gateway batch for it
        energy = conn.scalar(
            select(twin_state.c.value).where(
                twin_state.c.asset_id == light, twin_state.c.metric == "energy_wh"
            )
        )
    assert energy == 1_000.0 + 119
    assert {c.asset_id for c in changes} == set(LIGHTS)


def test_a_repeated_message_is_stored_once(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    ts = unique_ts()
    same = light_message(7, ts)
    with Publisher(mosquitto.url) as device:
        device.publish([same, same, light_message(8), same])
        wait_until(lambda: worker.stats.acknowledged == 4, what="4 messages acked")
        device.publish([same])  # in a later batch too
    wait_until(lambda: worker.stats.acknowledged == 5, what="5 messages acked")
    assert count(store) == 2 * LIGHT_METRICS
    assert worker.stats.duplicates == 3 * LIGHT_METRICS
    assert worker.stats.acknowledged == 5


def test_a_reading_on_a_topic_that_names_no_asset_is_dead_lettered(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    bad_topic = "vigie/dijon/Streetlight/7/telemetry"  # not an INSEE code
    with Publisher(mosquitto.url) as device:
        device.publish([(bad_topic, msgspec.json.encode(light_reading(1))), light_message(2)])
    wait_until(lambda: worker.stats.acknowledged == 2, what="both messages acked")
    with store.connect() as conn:
        row = conn.execute(select(dead_letters)).one()
    assert row.topic == bad_topic
    assert row.source == "mqtt"
    assert row.reason.startswith("invalid: the topic")
    assert "names no asset" in row.reason
    assert count(store) == LIGHT_METRICS
    assert worker.stats.acknowledged == 2


def test_messages_sent_while_the_worker_is_away_wait_in_its_session(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    first = start_worker("vigie-ingest-a")
    first.stop()
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(n) for n in range(40)])
    assert count(store) == 0
    again = start_worker("vigie-ingest-a")  # same client id: same session
    wait_until(lambda: count(store) == 40 * LIGHT_METRICS, what="the queued readings")
    wait_until(lambda: again.stats.acknowledged == 40, what="40 acks")


def test_a_stopped_worker_commits_and_acknowledges_its_batch(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    # A long batch window: the messages are still waiting in the batch when stop() comes.
    committed: list[BatchCommitted] = []
    bus = EventBus()
    bus.subscribe(BatchCommitted, committed.append)
    worker = start_worker(bus=bus, batch_ms=60_000)
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(n) for n in range(10)])
    wait_until(lambda: worker.stats.received == 10, what="10 deliveries")
    assert count(store) == 0
    worker.stop()
    assert count(store) == 10 * LIGHT_METRICS
    assert worker.stats.acknowledged == 10
    # Nothing is redelivered to the session: everything was acknowledged before DISCONNECT.
    again = start_worker(worker.settings.client_id)
    with Publisher(mosquitto.url) as device:
        device.publish([(topic_for(LIGHTS[0]), msgspec.json.encode(light_reading(99)))])
    wait_until(lambda: again.stats.ingested >= 1, what="the next message")
    assert again.stats.ingested == 1
    assert again.stats.duplicates == 0


def test_a_batch_the_store_refused_is_retried_and_only_then_acknowledged(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    real_ingest = worker.pipeline.ingest
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))] * 2

    def flaky_ingest(messages: Sequence[RawMessage]) -> IngestResult:
        if failures:
            raise failures.pop()
        return real_ingest(messages)

    worker.pipeline.ingest = flaky_ingest  # type: ignore[method-assign]
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(n) for n in range(5)])
    wait_until(lambda: worker.stats.acknowledged == 5, what="5 acks after the retries")
    assert worker.stats.failed_attempts == 2
    assert count(store) == 5 * LIGHT_METRICS


def test_a_worker_whose_ingest_thread_dies_says_so_and_acknowledges_nothing(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()

    def broken(_batch: object) -> None:
        raise RuntimeError("a bug")

    worker._acknowledge = broken  # type: ignore[method-assign,assignment]
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(1)])
    wait_until(lambda: not worker.running, what="the ingest thread to end")
    assert worker.stats.acknowledged == 0
