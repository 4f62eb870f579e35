"""Issue #20, finding 1: one message must not stop MQTT intake. A message no decoder check
foresaw (invalid UTF-8 inside a string, JSON nested thousands deep), or one the store refuses
while it takes the others, is dead-lettered with its reason and acknowledged; the readings
around it are stored; a restart finds nothing stuck in the session. A store that refuses every
write is waited for — nothing is dropped — and health says intake is stalled."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.adapters.checks import allow_inserts, count, refuse_inserts, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import LIGHT_METRICS, LIGHTS, light_message, light_reading
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.protocol.topics import topic_for
from vigie.store.schema import dead_letters

POISON_W = 666.0  # a valid power, which the trigger below makes the store refuse
LIGHT_TOPIC = topic_for(LIGHTS[0])


def _dead_reasons(store: Engine) -> list[str]:
    with store.connect() as conn:
        return list(conn.scalars(select(dead_letters.c.reason).order_by(dead_letters.c.id)))


@pytest.fixture
def triggers(store: Engine) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for table in made:
        allow_inserts(store, table)


def test_messages_no_check_foresaw_are_dead_lettered_and_nothing_stays_stuck(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    ts = light_reading(0)["ts"]
    poison = [
        (
            LIGHT_TOPIC,
            b'{"ts": "' + str(ts).encode() + b'", "metrics": {"on": true, "x": "\xff\xfe"}}',
        ),
        (LIGHT_TOPIC, b'{"ts": "' + str(ts).encode() + b'", "metrics": {"o\xffn": 1}}'),
        (
            LIGHT_TOPIC,
            b'{"ts": "'
            + str(ts).encode()
            + b'", "metrics": {"a": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
        ),
        (
            LIGHT_TOPIC,
            msgspec.json.encode(
                {"readings": [{"asset": LIGHTS[1] + "\u0000", "ts": ts, "metrics": {"on": True}}]}
            ),
        ),
    ]
    valid = [light_message(n) for n in range(1, len(poison) + 2)]
    interleaved = [m for pair in zip(valid, poison, strict=False) for m in pair] + [valid[-1]]
    worker = start_worker(client_id="poison-worker")
    with Publisher(mosquitto.url) as device:
        device.publish(interleaved)
    wait_until(lambda: worker.stats.acknowledged == len(interleaved), what="every message acked")
    assert count(store) == len(valid) * LIGHT_METRICS
    reasons = _dead_reasons(store)
    assert sum(r.startswith("malformed: not UTF-8") for r in reasons) == 2
    assert "malformed: JSON nested too deep" in reasons
    assert any(r.startswith("invalid: Expected `str` matching regex") for r in reasons)
    assert worker.health().ok
    worker.stop()

    # The session holds nothing unacknowledged: a worker resuming it receives nothing old.
    again = start_worker(client_id="poison-worker")
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(100)])
    wait_until(lambda: again.stats.acknowledged == 1, what="the new reading acked")
    assert again.stats.received == 1


def test_a_message_the_store_refuses_is_isolated_and_the_rest_of_its_batch_stored(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory, triggers: list[str]
) -> None:
    refuse_inserts(store, "readings", f"NEW.value = {POISON_W}")
    triggers.append("readings")
    worker = start_worker(batch_ms=200)  # the poison shares its batch with valid readings
    poisoned = light_reading(7)
    poisoned["metrics"] = {"power_w": POISON_W}
    messages = [light_message(n) for n in range(10, 20)]
    messages.insert(4, (LIGHT_TOPIC, msgspec.json.encode(poisoned)))
    with Publisher(mosquitto.url) as device:
        device.publish(messages)
    wait_until(lambda: worker.stats.acknowledged == len(messages), what="every message acked")
    assert count(store) == 10 * LIGHT_METRICS
    [reason] = _dead_reasons(store)
    assert reason.startswith("could not be stored:") and "refused by the test trigger" in reason
    assert worker.stats.poisoned == 1
    assert worker.health().ok


def test_a_store_that_refuses_every_write_is_waited_for_and_health_says_so(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory, triggers: list[str]
) -> None:
    worker = start_worker()
    worker.stall_after_s = 0.5
    refuse_inserts(store, "readings", "1 = 1")
    refuse_inserts(store, "dead_letters", "1 = 1")
    triggers.extend(["readings", "dead_letters"])
    with Publisher(mosquitto.url) as device:
        device.publish([light_message(30)])
    wait_until(lambda: not worker.health().ok, what="health to report the stall")
    health = worker.health()
    assert health.detail.startswith("nothing stored for")
    assert worker.stats.acknowledged == 0  # not acknowledged: nothing is lost
    allow_inserts(store, "readings")
    allow_inserts(store, "dead_letters")
    triggers.clear()
    wait_until(lambda: worker.stats.acknowledged == 1, timeout_s=30, what="the reading stored")
    assert count(store) == LIGHT_METRICS
    assert worker.stats.poisoned == 0
    assert worker.health().ok
