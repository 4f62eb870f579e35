"""The one MQTT client of Vigie: every connection to the broker (ingest, commands, bus
priority) is made here, so the protocol version, credentials, TLS, reconnection and
subscriptions are set in one place.

    client = MqttClient("mqtt://user:pass@host:1883", "vigie-x", on_message=handle,
                        subscriptions=[Subscription("vigie/+/Bus/+/telemetry", qos=0)])
    client.start()                      # connects in the background, retrying with backoff
    client.wait_subscribed(10)
    client.publish(topic, payload, qos=1)
    client.stop()

MQTT 5 always. paho's network thread reconnects by itself after a lost connection, waiting
from `reconnect_min_s` doubling to `reconnect_max_s`; on every (re)connection the
subscriptions are made again (harmless for a resumed session, needed for a new one).
Callbacks run on paho's network thread: keep them short.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from vigie.adapters.mqtt.settings import BrokerAddress, parse_broker_url
from vigie.core.service import Health

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    topic: str
    qos: int = 1


class MqttClient:
    """One MQTT 5 connection. `start()` returns at once (the connection is made, and remade,
    in the background); `wait_connected` / `wait_subscribed` wait for it."""

    def __init__(
        self,
        broker: str | BrokerAddress,
        client_id: str,
        *,
        subscriptions: Sequence[Subscription] = (),
        on_message: Callable[[MQTTMessage], None] | None = None,
        on_connected: Callable[[bool], None] | None = None,
        on_disconnected: Callable[[ReasonCode], None] | None = None,
        manual_ack: bool = False,
        clean_start: bool = True,
        session_expiry_s: int | None = None,
        receive_maximum: int | None = None,
        max_inflight: int | None = None,
        max_queued: int | None = None,
        keepalive_s: int = 30,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
    ) -> None:
        self.broker = parse_broker_url(broker) if isinstance(broker, str) else broker
        self.client_id = client_id
        self.subscriptions = list(subscriptions)
        self.keepalive_s = keepalive_s
        self.clean_start = clean_start
        self.session_expiry_s = session_expiry_s
        self.receive_maximum = receive_maximum
        self.connections = 0
        self._on_message = on_message
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._stopping = False
        self._started = False
        client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=manual_ack,
            reconnect_on_failure=True,
        )
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()  # the system's CAs; client certificates go here when needed
        if max_inflight is not None:
            client.max_inflight_messages_set(max_inflight)
        if max_queued is not None:
            client.max_queued_messages_set(max_queued)
        client.reconnect_delay_set(reconnect_min_s, reconnect_max_s)
        client.on_connect = self._connect
        client.on_connect_fail = self._connect_fail
        client.on_disconnect = self._disconnect
        client.on_subscribe = self._subscribe
        if on_message is not None:
            client.on_message = self._message
        self.paho = client

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying with backoff until the broker answers)."""
        if self._started:
            return
        self._started = True
        self._stopping = False
        properties = None
        if self.session_expiry_s is not None or self.receive_maximum is not None:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            if self.session_expiry_s is not None:
                properties.SessionExpiryInterval = self.session_expiry_s
            if self.receive_maximum is not None:
                properties.ReceiveMaximum = self.receive_maximum
        self.paho.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=self.keepalive_s,
            clean_start=self.clean_start,
            properties=properties,
        )
        self.paho.loop_start()

    def stop(self) -> None:
        """Disconnect (after what is queued is written) and end the network thread."""
        if not self._started:
            return
        self._stopping = True
        self._started = False
        self.paho.disconnect()
        self.paho.loop_stop()
        self._connected.clear()
        self._subscribed.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def wait_subscribed(self, timeout_s: float) -> bool:
        """Whether the broker confirmed every subscription within `timeout_s`."""
        return self._subscribed.wait(timeout_s)

    def health(self) -> Health:
        return Health(
            f"mqtt {self.client_id}",
            self.connected,
            f"connected to {self.broker}" if self.connected else f"not connected to {self.broker}",
            {"connections": self.connections},
        )

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> None:
        self.paho.publish(topic, payload, qos=qos)

    # -- network thread ----------------------------------------------------------------------

    def _connect(
        self,
        client: Client,
        _userdata: Any,
        flags: ConnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.error("broker %s refused the connection: %s", self.broker, reason_code)
            return
        self.connections += 1
        if self._on_connected is not None:
            self._on_connected(flags.session_present)
        self._subscribed.clear()
        if self.subscriptions:
            client.subscribe([(s.topic, SubscribeOptions(qos=s.qos)) for s in self.subscriptions])
        else:
            self._subscribed.set()
        self._connected.set()

    def _connect_fail(self, _client: Client, _userdata: Any) -> None:
        log.warning("cannot reach broker %s; retrying with backoff", self.broker)

    def _disconnect(
        self,
        _client: Client,
        _userdata: Any,
        _flags: DisconnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self._connected.clear()
        self._subscribed.clear()
        if self._on_disconnected is not None:
            self._on_disconnected(reason_code)
        if not self._stopping:
            log.warning("disconnected from %s: %s; reconnecting", self.broker, reason_code)

    def _subscribe(
        self,
        _client: Client,
        _userdata: Any,
        _mid: int,
        reason_codes: list[ReasonCode],
        _properties: Properties | None,
    ) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error(
                "broker refused the subscription to %s: %s",
                ", ".join(s.topic for s in self.subscriptions),
                refused[0],
            )
            return
        log.info("subscribed to %s", ", ".join(s.topic for s in self.subscriptions))
        self._subscribed.set()

    def _message(self, _client: Client, _userdata: Any, message: MQTTMessage) -> None:
        assert self._on_message is not None
        self._on_message(message)
