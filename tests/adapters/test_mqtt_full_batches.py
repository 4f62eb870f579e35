"""Under load, the network thread ingests each batch it fills itself; a store that refuses
such a batch sends it, and the batches after it, to the ingest thread's retries."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tests.adapters.checks import count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import LIGHT_METRICS, light_message
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.core.bus import EventBus
from vigie.telemetry.events import BatchCommitted
from vigie.telemetry.pipeline import IngestResult, RawMessage

INGEST_THREAD = "vigie-mqtt-ingest"


def test_full_batches_are_ingested_as_they_fill_and_acknowledged(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    committed_by: list[str] = []
    bus = EventBus()
    bus.subscribe(BatchCommitted, lambda _e: committed_by.append(threading.current_thread().name))
    # A minute's linger: only full batches can be ingested before the test ends.
    worker = start_worker(bus=bus, batch_size=5, batch_ms=60_000)
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(n) for n in range(20)])
    wait_until(lambda: worker.stats.acknowledged == 20, what="20 acks")
    assert count(store) == 20 * LIGHT_METRICS
    assert worker.stats.batches == 4
    # Each was ingested by the thread that received its last message, not handed over.
    assert INGEST_THREAD not in committed_by


def test_a_full_batch_the_store_refused_is_retried_by_the_ingest_thread(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    committed_by: list[str] = []
    bus = EventBus()
    bus.subscribe(BatchCommitted, lambda _e: committed_by.append(threading.current_thread().name))
    worker = start_worker(bus=bus, batch_size=5, batch_ms=60_000)
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
    # One attempt on the network thread, one retry on the ingest thread, then the commit.
    assert worker.stats.failed_attempts == 2
    assert committed_by == [INGEST_THREAD]
    assert count(store) == 5 * LIGHT_METRICS
    # The store commits again: the next full batch is the network thread's once more.
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(n) for n in range(5, 10)])
    wait_until(lambda: worker.stats.acknowledged == 10, what="10 acks")
    assert committed_by[-1] != INGEST_THREAD
    assert count(store) == 10 * LIGHT_METRICS
