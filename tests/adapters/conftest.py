"""Fixtures of the MQTT adapter tests: a real broker, a store holding the small network, and
ingest workers running in this process (the kill test runs `vigie ingest` as a process)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from tests.mosquitto import mosquitto as mosquitto
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import MqttSettings
from vigie.adapters.mqtt.worker import IngestWorker
from vigie.core.bus import EventBus
from vigie.core.clock import SystemClock
from vigie.telemetry.pipeline import Pipeline

WorkerFactory = Callable[..., IngestWorker]


@pytest.fixture
def store(engine: Engine) -> Engine:
    """The migrated store (SQLite and PostgreSQL) with the small network of tests.builders."""
    with engine.begin() as conn:
        seed_small_network(conn, SystemClock().now())
    return engine


@pytest.fixture
def start_worker(store: Engine, mosquitto: LocalBroker) -> Iterator[WorkerFactory]:
    """Starts an in-process ingest worker (own pipeline and bus) and waits until the broker
    confirmed its subscription; every worker is stopped after the test."""
    started: list[IngestWorker] = []
    numbers = itertools.count(1)

    def start(
        client_id: str | None = None, bus: EventBus | None = None, **settings: int
    ) -> IngestWorker:
        pipeline = Pipeline(store, SystemClock(), bus or EventBus())
        worker = IngestWorker(
            pipeline,
            MqttSettings.from_env(
                url=mosquitto.url, client_id=client_id or f"test-worker-{next(numbers)}", **settings
            ),
        )
        worker.start()
        started.append(worker)
        assert worker.wait_subscribed(10), "the worker did not subscribe"
        return worker

    yield start
    for worker in started:
        worker.stop()
