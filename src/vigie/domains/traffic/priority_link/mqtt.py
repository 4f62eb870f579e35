"""The MQTT edge of live bus priority (`vigie traffic priority`).

It listens to the buses' telemetry (`vigie/+/Bus/+/telemetry`, QoS 0, its own subscription:
the ingest workers keep theirs) and publishes each request on the controller's `.../priority`
topic (QoS 0: a request is refreshed with every position report, a lost one is replaced
within seconds):

    {"request": "urn:ngsi-ld:Bus:21231:1001", "vehicle": "urn:ngsi-ld:Bus:21231:1001",
     "signal_group": "urn:ngsi-ld:SignalGroup:21231:4-5", "strategy": "green_extension",
     "eta": "2026-03-02T09:00:41+00:00", "green_end": "2026-03-02T09:00:44+00:00"}

The controller applies it within its own limits. Translation only: the decisions are
`vigie.domains.traffic.live.LivePriority`'s.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

import msgspec
from paho.mqtt.client import MQTTMessage

from vigie.adapters.mqtt.client import MqttClient, Subscription
from vigie.core.service import Health
from vigie.domains.traffic.live import LivePriority, PriorityMessage
from vigie.protocol.topics import ROOT, parse_topic, topic_for

log = logging.getLogger(__name__)
BUS_TELEMETRY = f"{ROOT}/+/Bus/+/telemetry"


class _Reading(msgspec.Struct):
    ts: datetime
    metrics: dict[str, Any]


def encode(message: PriorityMessage) -> bytes:
    return msgspec.json.encode(
        {
            "request": message.request_id,
            "vehicle": message.vehicle_id,
            "signal_group": message.signal_group,
            "strategy": message.strategy,
            "eta": message.eta.isoformat(),
            "green_end": message.green_end.isoformat() if message.green_end else None,
        }
    )


class PriorityLink:
    """One MQTT connection: bus positions to `live`, its requests to the controllers. A
    `Service` (connected at construction, as before; `start()` is then a no-op)."""

    name = "bus-priority"

    def __init__(self, url: str, live: LivePriority, client_id: str = "vigie-priority") -> None:
        self.live = live
        self.published = 0
        self.ignored = 0
        self._lock = threading.Lock()
        self._mqtt = MqttClient(
            url,
            client_id,
            subscriptions=[Subscription(BUS_TELEMETRY, qos=0)],
            on_message=self._on_message,
        )
        live.send = self._publish
        self._mqtt.start()

    def wait_subscribed(self, timeout_s: float = 10.0) -> bool:
        return self._mqtt.wait_subscribed(timeout_s)

    def start(self) -> None:
        self._mqtt.start()

    def stop(self) -> None:
        self.close()

    def health(self) -> Health:
        mqtt = self._mqtt.health()
        return Health(
            self.name,
            mqtt.ok,
            mqtt.detail,
            {"published": self.published, "ignored": self.ignored},
        )

    def _on_message(self, message: MQTTMessage) -> None:
        topic = parse_topic(message.topic)
        try:
            reading = msgspec.json.decode(message.payload, type=_Reading)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.ignored += 1  # the ingest dead-letters it; nothing to decide on
            return
        metrics = reading.metrics
        lon, lat = metrics.get("lon"), metrics.get("lat")
        if topic is None or not isinstance(lon, int | float) or not isinstance(lat, int | float):
            self.ignored += 1
            return
        speed = metrics.get("speed_kmh")
        heading = metrics.get("heading_deg")
        with self._lock:
            self.live.on_position(
                topic.asset_id,
                float(lon),
                float(lat),
                float(speed) if isinstance(speed, int | float) else 0.0,
                reading.ts,
                float(heading) if isinstance(heading, int | float) else None,
            )

    def _publish(self, message: PriorityMessage) -> None:
        self._mqtt.publish(topic_for(message.controller_id, "priority"), encode(message), qos=0)
        self.published += 1

    def close(self) -> None:
        self._mqtt.stop()
