"""Issue #20, finding 3, with a real Mosquitto configured as Vigie configures it: anonymous
clients are refused; a device publishes only its own topics (a gateway those of the assets it
serves) and subscribes only to its own commands; revoking its credentials takes effect on the
broker within seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import msgspec
import pytest
from paho.mqtt.client import Client, MQTTMessageInfo
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy.engine import Engine

from tests.adapters.checks import count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import CABINET, FED_LIGHTS, LIGHTS, light_reading
from vigie.adapters.mqtt import access
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.protocol.topics import topic_for

NOW = datetime.now(UTC)
TALANT_LIGHT = LIGHTS[-1]


class Device:
    """A device's MQTT session under given credentials, recording what the broker answers."""

    def __init__(self, broker: LocalBroker, username: str | None, password: str | None) -> None:
        self.connack: ReasonCode | None = None
        self.suback: list[ReasonCode] = []
        self.pubacks: dict[int, ReasonCode] = {}
        self._answered = threading.Condition()
        self.client = Client(
            CallbackAPIVersion.VERSION2, client_id=f"dev-{username}-{time.monotonic_ns()}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )  # fmt: skip
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish
        self.disconnected = threading.Event()
        self.client.on_disconnect = lambda *_args: self.disconnected.set()
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _on_connect(self, _c: Client, _u: object, _f: object, code: ReasonCode, _p: object) -> None:
        with self._answered:
            self.connack = code
            self._answered.notify_all()

    def _on_subscribe(
        self, _c: Client, _u: object, _m: int, codes: list[ReasonCode], _p: object
    ) -> None:
        with self._answered:
            self.suback = codes
            self._answered.notify_all()

    def _on_publish(self, _c: Client, _u: object, mid: int, code: ReasonCode, _p: object) -> None:
        with self._answered:
            self.pubacks[mid] = code
            self._answered.notify_all()

    def wait(self, condition: object, timeout_s: float = 10.0) -> None:
        with self._answered:
            assert self._answered.wait_for(condition, timeout_s), "no answer from the broker"  # type: ignore[arg-type]

    def publish(self, asset_id: str, n: int) -> ReasonCode:
        info: MQTTMessageInfo = self.client.publish(
            topic_for(asset_id), msgspec.json.encode(light_reading(n)), qos=1
        )
        self.wait(lambda: info.mid in self.pubacks)
        return self.pubacks[info.mid]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def devices(mosquitto: LocalBroker) -> Iterator[list[Device]]:
    made: list[Device] = []
    yield made
    for device in made:
        device.close()


def _grant(store: Engine, broker: LocalBroker, *asset_ids: str) -> dict[str, tuple[str, str]]:
    issued = {}
    with store.begin() as conn:
        for asset_id in asset_ids:
            issued[asset_id] = access.issue(conn, asset_id, "test", NOW)
        devices = access.devices_in_force(conn)
    broker.grant(devices)
    return issued


def test_anonymous_clients_and_wrong_passwords_are_refused(
    store: Engine, mosquitto: LocalBroker, devices: list[Device]
) -> None:
    username, _ = _grant(store, mosquitto, LIGHTS[0])[LIGHTS[0]]
    for credentials in ((None, None), (username, "not-the-password")):
        device = Device(mosquitto, *credentials)
        devices.append(device)
        device.wait(lambda d=device: d.connack is not None)
        assert device.connack is not None and device.connack.is_failure


def test_a_device_publishes_and_subscribes_only_its_own_topics(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory, devices: list[Device]
) -> None:
    worker = start_worker()
    issued = _grant(store, mosquitto, TALANT_LIGHT, CABINET)
    light = Device(mosquitto, *issued[TALANT_LIGHT])
    cabinet = Device(mosquitto, *issued[CABINET])
    devices += [light, cabinet]
    light.wait(lambda: light.connack is not None)
    cabinet.wait(lambda: cabinet.connack is not None)
    assert not light.connack.is_failure  # type: ignore[union-attr]
    assert not light.publish(TALANT_LIGHT, 1).is_failure  # its own topic
    assert light.publish(FED_LIGHTS[0], 2).is_failure  # another device's: not authorised
    assert not cabinet.publish(FED_LIGHTS[0], 3).is_failure  # a light it feeds
    assert cabinet.publish(TALANT_LIGHT, 4).is_failure  # a light it does not feed
    wait_until(lambda: worker.stats.acknowledged == 2, what="the two authorised readings")
    assert count(store) == 2 * 4
    # Subscribing to everything brings nothing but its own commands (Mosquitto grants the
    # filter and checks each message against the ACL).
    received: list[str] = []
    light.client.on_message = lambda _c, _u, message: received.append(message.topic)
    light.client.subscribe("vigie/#", qos=1)
    light.wait(lambda: bool(light.suback))
    service = Device(mosquitto, *mosquitto.service_account)
    devices.append(service)
    service.wait(lambda: service.connack is not None)
    for asset_id in (FED_LIGHTS[0], TALANT_LIGHT, CABINET):
        service.client.publish(topic_for(asset_id, "cmd"), b'{"id": "c"}', qos=1).wait_for_publish(
            5
        )
        service.client.publish(topic_for(asset_id), b"{}", qos=1).wait_for_publish(5)
    wait_until(lambda: len(received) >= 1, what="its own command")
    time.sleep(0.5)  # anything else would have arrived by now
    assert received == [topic_for(TALANT_LIGHT, "cmd")]


def test_revoked_credentials_stop_working_within_seconds(
    store: Engine, mosquitto: LocalBroker, devices: list[Device]
) -> None:
    issued = _grant(store, mosquitto, TALANT_LIGHT)
    connected = Device(mosquitto, *issued[TALANT_LIGHT])
    devices.append(connected)
    connected.wait(lambda: connected.connack is not None)
    assert not connected.publish(TALANT_LIGHT, 10).is_failure
    with store.begin() as conn:
        assert access.revoke(conn, TALANT_LIGHT, NOW)
        remaining = access.devices_in_force(conn)
    mosquitto.grant(remaining)
    # The connected device is cut off (Mosquitto drops a session whose account is gone on
    # reload) or its next messages refused; a new connection is refused.
    deadline = time.monotonic() + 5
    n = 11
    while not connected.disconnected.wait(0.1):
        info = connected.client.publish(
            topic_for(TALANT_LIGHT), msgspec.json.encode(light_reading(n)), qos=1
        )
        answer = connected.pubacks.get(info.mid) if info.is_published() else None
        if answer is not None and answer.is_failure:
            break
        assert time.monotonic() < deadline, "still accepted 5 s after the revocation"
        n += 1
    again = Device(mosquitto, *issued[TALANT_LIGHT])
    devices.append(again)
    again.wait(lambda: again.connack is not None)
    assert again.connack is not None and again.connack.is_failure
