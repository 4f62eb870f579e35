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
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from vigie.adapters.mqtt.settings import BrokerAddress
from vigie.commands.wire import ACK_FILTER
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
        self._connected = threading.Event()
        self._closing = False
        self.published = 0
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set()
        client.max_inflight_messages_set(inflight)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._connect
        client.on_publish = self._published
        client.on_message = self._message
        self.client = client
        client.connect(broker.host, broker.port, keepalive=30)
        client.loop_start()
        if not self._connected.wait(connect_timeout_s):
            client.loop_stop()
            raise ConnectionError(f"no answer from the MQTT broker at {broker}")

    def _connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT connection refused: %s", reason)
            return
        client.subscribe(shared_subscription(ACK_FILTER, SHARE_GROUP), qos=1)
        self._connected.set()

    def _published(self, _c: mqtt.Client, _u: Any, _mid: int, _r: Any, _p: Any) -> None:
        self.published += 1
        self._window.release()

    def _message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        topic = parse_topic(message.topic)
        if topic is not None and topic.channel == "cmd/ack":
            self._on_ack(topic.asset_id, bytes(message.payload))

    def publish(self, topic: str, payload: bytes) -> None:
        while not self._window.acquire(timeout=0.5):
            pass
        self.client.publish(topic, payload, qos=1)

    def wait_published(self, count: int, timeout_s: float) -> bool:
        """Wait until the broker has acknowledged `count` publications in all."""
        deadline = threading.Event()
        waited = 0.0
        while self.published < count and waited < timeout_s:
            deadline.wait(0.01)
            waited += 0.01
        return self.published >= count

    def close(self) -> None:
        self._closing = True
        self.client.disconnect()
        self.client.loop_stop()
