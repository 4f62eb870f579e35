"""The dispatcher's MQTT connection: publishes commands at QoS 1 and hands acknowledgements
from the `cmd/ack` shared subscription to the dispatcher.

Two bounds: at most `INFLIGHT` messages await the broker's PUBACK (paho scans its in-flight
list on every acknowledgement: measured here, 34,000 commands took 4.5 s with 100 in flight,
12.5 s with 1,000), and at most `WINDOW` are handed to paho without their PUBACK (MQTT packet
ids are 16-bit: paho fails past ~65k); the rest wait in paho's queue, so `publish` returns at
once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from paho.mqtt.client import MQTTMessage

from vigie.adapters.mqtt.client import MqttClient, Subscription
from vigie.adapters.mqtt.settings import BrokerAddress
from vigie.commands.wire import ACK_FILTER
from vigie.core.service import Health
from vigie.protocol.topics import parse_topic, shared_subscription

log = logging.getLogger(__name__)
WINDOW = 50_000
INFLIGHT = 100
SHARE_GROUP = "vigie-commands"


class MqttCommandLink:
    def __init__(
        self,
        broker: BrokerAddress,
        on_ack: Callable[[str, bytes], None],
        *,
        client_id: str = "vigie-commands",
        window: int = WINDOW,
        inflight: int = INFLIGHT,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self._on_ack = on_ack
        self._window = threading.BoundedSemaphore(window)
        self.published = 0
        self.mqtt = MqttClient(
            broker,
            client_id,
            subscriptions=[Subscription(shared_subscription(ACK_FILTER, SHARE_GROUP), qos=1)],
            on_message=self._message,
            max_inflight=inflight,
            max_queued=0,
        )
        self.mqtt.paho.on_publish = self._published
        self.mqtt.start()
        if not self.mqtt.wait_connected(connect_timeout_s):
            self.mqtt.stop()
            raise ConnectionError(f"no answer from the MQTT broker at {broker}")

    def _published(self, *_args: object) -> None:
        self.published += 1
        self._window.release()

    def _message(self, message: MQTTMessage) -> None:
        topic = parse_topic(message.topic)
        if topic is not None and topic.channel == "cmd/ack":
            self._on_ack(topic.asset_id, bytes(message.payload))

    def publish(self, topic: str, payload: bytes) -> None:
        while not self._window.acquire(timeout=0.5):
            pass
        self.mqtt.publish(topic, payload, qos=1)

    def wait_published(self, count: int, timeout_s: float) -> bool:
        """Wait until the broker has acknowledged `count` publications in all."""
        deadline = threading.Event()
        waited = 0.0
        while self.published < count and waited < timeout_s:
            deadline.wait(0.01)
            waited += 0.01
        return self.published >= count

    def health(self) -> Health:
        return self.mqtt.health()

    def close(self) -> None:
        self.mqtt.stop()
