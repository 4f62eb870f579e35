"""Adding a facility is adding its folder and registering its manifest: a made-up fountain
domain (tests/integrations/fountain/) is installed, and its asset, reading, alarm and command
go through the real registry, pipeline, alarm engine, dispatcher and a real Mosquitto — with
no line of the core changed for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import msgspec
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine

from tests.commands.devices import wait_for
from tests.integrations.fountain.integration import FOUNTAIN, FOUNTAIN_INTEGRATION
from tests.mosquitto import mosquitto
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import parse_broker_url, sign_in
from vigie.alarms.model import AlarmState
from vigie.alarms.store import to_alarm
from vigie.alarms.wiring import start_alarm_engine
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import CommandRefused, Policy
from vigie.commands.mqtt import MqttCommandLink
from vigie.commands.service import Caller, submit
from vigie.commands.store import device_states
from vigie.commands.targets import TargetSpec
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.integration import install, uninstall
from vigie.protocol.topics import topic_for
from vigie.registry.batch import BatchInvalid, create_assets
from vigie.registry.validation import AssetInput
from vigie.store.schema import alarms
from vigie.telemetry.pipeline import Pipeline, RawMessage

__all__ = ["mosquitto"]
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FOUNTAIN_ID = "urn:ngsi-ld:Fountain:21231:1"


@pytest.fixture
def fountains() -> Iterator[None]:
    install(FOUNTAIN_INTEGRATION)
    yield
    uninstall(FOUNTAIN_INTEGRATION.name)


class FountainDevice:
    """A fountain controller on the broker: it obeys `run` commands and acknowledges them."""

    def __init__(self, url: str) -> None:
        self.pump_on: bool | None = None
        self._subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="fountain-1")
        settings = sign_in(self.client, url)
        self.client.on_connect = lambda c, *_: c.subscribe(topic_for(FOUNTAIN_ID, "cmd"), qos=1)
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_command
        self.client.connect(settings.host, settings.port)
        self.client.loop_start()
        assert self._subscribed.wait(10), "the fountain could not subscribe"

    def _on_command(self, client: paho.Client, _: object, message: paho.MQTTMessage) -> None:
        command = msgspec.json.decode(message.payload)
        self.pump_on = bool(command["on"])
        ack = {"id": command["id"], "status": "acknowledged", "ts": NOON.isoformat()}
        client.publish(topic_for(FOUNTAIN_ID, "cmd/ack"), msgspec.json.encode(ack), qos=1)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _register_fountain(engine: Engine, volume_m3: float) -> None:
    with engine.begin() as conn:
        create_assets(
            conn,
            [
                (
                    1,
                    AssetInput(
                        type=FOUNTAIN,
                        name="Fontaine de la place Darcy",
                        municipality_code="21231",
                        lon=5.0307,
                        lat=47.3235,
                        attributes={"basin_volume_m3": volume_m3},
                    ),
                )
            ],
            actor="test",
            now=NOON,
        )


def test_a_registered_facility_goes_through_ingest_alarms_and_commands(
    engine: Engine, mosquitto: LocalBroker, fountains: None
) -> None:
    with pytest.raises(BatchInvalid) as invalid:  # the registry checks the domain's attributes
        _register_fountain(engine, volume_m3=-3)
    assert [p.field for p in invalid.value.problems] == ["attributes.basin_volume_m3"]
    _register_fountain(engine, volume_m3=120)

    clock = ManualClock(NOON)
    bus = EventBus()
    pipeline = Pipeline(engine, clock, bus)
    alarm_engine = start_alarm_engine(engine, clock, bus)
    try:
        reading = {"ts": NOON.isoformat(), "metrics": {"pump_on": True, "flow_l_min": 1.5}}
        result = pipeline.ingest(
            [RawMessage("mqtt", msgspec.json.encode(reading), NOON, topic_asset=FOUNTAIN_ID)]
        )
        assert (result.stored, result.rejected) == (2, 0)
        out_of_range = {"ts": NOON.isoformat(), "metrics": {"flow_l_min": -1}}
        refused = pipeline.ingest(
            [RawMessage("mqtt", msgspec.json.encode(out_of_range), NOON, topic_asset=FOUNTAIN_ID)]
        )
        assert refused.rejected == 1  # the domain's metric ranges are the pipeline's
        clock.advance(timedelta(seconds=1))
        alarm_engine.tick()
        with engine.connect() as conn:
            raised = [to_alarm(r) for r in conn.execute(alarms.select())]
        assert [(a.asset_id, a.rule_id, a.state) for a in raised] == [
            (FOUNTAIN_ID, "fountain.dry_basin", AlarmState.RAISED)
        ]
    finally:
        alarm_engine.close()
        pipeline.close()

    operator = Caller("olga", None)
    with pytest.raises(CommandRefused) as bad:
        submit(engine, operator, domain="fountain", action="run", params={"on": "yes"},
               target=TargetSpec(assets=[FOUNTAIN_ID]), policy=Policy(), now=NOON)  # fmt: skip
    assert bad.value.reasons == ["on must be true or false"]

    device = FountainDevice(mosquitto.url)
    answers: list[Dispatcher] = []
    link = MqttCommandLink(parse_broker_url(mosquitto.url), lambda *ack: answers[0].on_ack(*ack))
    dispatcher = Dispatcher(engine, clock, link)
    answers.append(dispatcher)
    try:
        command = submit(
            engine, operator, domain="fountain", action="run", params={"on": False},
            target=TargetSpec(assets=[FOUNTAIN_ID]), policy=Policy(), now=NOON,
        )  # fmt: skip
        assert dispatcher.tick().sent == 1
        wait_for(lambda: dispatcher.pending_acks() == 1)
        dispatcher.tick()
        with engine.connect() as conn:
            assert [d.status for d in device_states(conn, command.id)] == ["acknowledged"]
        assert device.pump_on is False
    finally:
        link.close()
        device.close()
