"""Issue #20, finding 4 on MQTT: a device speaks only for itself and a gateway only for the
assets it serves. A batch on a Talant streetlight's topic used to update assets of Dijon."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.adapters.checks import count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import FED_LIGHTS, LIGHTS, gateway_message, light_reading
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.protocol.topics import topic_for
from vigie.store.schema import dead_letters

TALANT_LIGHT = LIGHTS[-1]


def test_a_batch_may_name_only_the_publisher_and_what_it_serves(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    forged = [dict(light_reading(n), asset=FED_LIGHTS[n]) for n in range(3)]
    own = dict(light_reading(9), asset=TALANT_LIGHT)  # its own reading, in a batch: fine
    with Publisher(mosquitto.url) as device:
        device.publish(
            [
                (topic_for(TALANT_LIGHT), msgspec.json.encode({"readings": [*forged, own]})),
                gateway_message(0, 10),  # the cabinet, for the lights it feeds: accepted
            ]
        )
    wait_until(lambda: worker.stats.acknowledged == 2, what="both messages acked")
    assert count(store) == (1 + 10) * 4
    with store.connect() as conn:
        refused = conn.execute(select(dead_letters.c.asset_id, dead_letters.c.reason)).all()
    assert sorted(a for a, _ in refused) == sorted(FED_LIGHTS[:3])
    assert all(r.startswith("not served by the publisher") for _, r in refused)
