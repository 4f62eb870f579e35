"""The one MQTT client wrapper against a real Mosquitto: connects from a URL, subscribes on
connect (again after a reconnection), publishes with QoS, stops cleanly."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from paho.mqtt.client import MQTTMessage

from vigie.adapters.mqtt import broker as broker_module
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.client import MqttClient, Subscription


def _wait(condition: object, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_publish_and_subscribe_through_the_broker(mosquitto: LocalBroker) -> None:
    received: list[tuple[str, bytes, int]] = []
    lock = threading.Lock()

    def on_message(message: MQTTMessage) -> None:
        with lock:
            received.append((message.topic, bytes(message.payload), message.qos))

    listener = MqttClient(
        mosquitto.url,
        "test-listener",
        subscriptions=[Subscription("vigie/+/Thing/+/telemetry", qos=1)],
        on_message=on_message,
    )
    sender = MqttClient(mosquitto.url, "test-sender")
    listener.start()
    sender.start()
    try:
        assert listener.wait_subscribed(10)
        assert sender.wait_connected(10)
        assert listener.health().ok and sender.health().ok
        sender.publish("vigie/21231/Thing/1/telemetry", b'{"a": 1}', qos=1)
        sender.publish("vigie/21231/Other/1/telemetry", b"ignored", qos=0)
        assert _wait(lambda: len(received) == 1)
        assert received == [("vigie/21231/Thing/1/telemetry", b'{"a": 1}', 1)]
    finally:
        sender.stop()
        listener.stop()
    assert not listener.connected
    assert not listener.health().ok


def test_it_connects_when_the_broker_comes_and_subscribes_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = broker_module.free_port()
    monkeypatch.setattr(broker_module, "free_port", lambda: port)  # the same port each start
    broker = LocalBroker(tmp_path / "mosquitto")
    user, password = broker.service_account  # anonymous clients are refused
    client = MqttClient(
        f"mqtt://{user}:{password}@127.0.0.1:{port}",
        "test-patient",
        subscriptions=[Subscription("vigie/#", qos=0)],
        reconnect_min_s=1,
        reconnect_max_s=2,
    )
    client.start()  # no broker yet: it keeps trying with backoff
    try:
        assert not client.wait_connected(0.5)
        broker.start()
        assert client.wait_subscribed(15)
        assert client.connections == 1
        broker.stop()
        assert _wait(lambda: not client.connected)
        broker.start()
        assert client.wait_subscribed(15)
        assert client.connections == 2
    finally:
        client.stop()
        broker.stop()


def test_credentials_come_from_the_url(mosquitto: LocalBroker) -> None:
    client = MqttClient("mqtt://someone:secret@127.0.0.1:1", "test-creds")
    assert client.broker.username == "someone"
    assert client.broker.password == "secret"
    assert "secret" not in str(client.broker)
    assert "secret" not in client.health().detail
