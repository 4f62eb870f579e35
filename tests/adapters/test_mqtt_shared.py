"""Several workers on the shared subscription split the stream, and lose none of it."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.adapters.checks import count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import LIGHT_METRICS, gateway_message, light_message
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker


def test_two_workers_share_the_load_and_together_store_everything(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    first = start_worker("vigie-ingest-1")
    second = start_worker("vigie-ingest-2")
    messages = [light_message(n) for n in range(2_000)]
    messages += [gateway_message(10_000 + 10 * k, 10) for k in range(20)]
    with Publisher(mosquitto.url) as device:
        device.publish(messages)

    wait_until(
        lambda: first.stats.acknowledged + second.stats.acknowledged == len(messages),
        what="every message acknowledged by one worker or the other",
    )
    assert count(store) == (2_000 + 200) * LIGHT_METRICS
    # The broker deals the messages out in turn: both workers had a real share.
    assert first.stats.received > len(messages) // 4
    assert second.stats.received > len(messages) // 4
    assert first.stats.received + second.stats.received == len(messages)
