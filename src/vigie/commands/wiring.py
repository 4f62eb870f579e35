"""The server's command dispatcher on MQTT (started when an MQTT broker is configured)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from vigie.adapters.mqtt.settings import BrokerAddress
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.mqtt import MqttCommandLink
from vigie.core.clock import Clock
from vigie.core.service import Health


class _Late:
    """The link is made after the dispatcher (it needs the dispatcher's ack handler)."""

    link: MqttCommandLink | None = None

    def publish(self, topic: str, payload: bytes) -> None:
        assert self.link is not None
        self.link.publish(topic, payload)


class CommandService:
    """The dispatcher and its MQTT link as one `Service`: `start()` connects (ConnectionError
    if the broker does not answer) and starts dispatching; `stop()` stops both."""

    name = "commands"

    def __init__(self, engine: Engine, clock: Clock, broker: BrokerAddress, client_id: str) -> None:
        self.engine = engine
        self.clock = clock
        self.broker = broker
        self.client_id = client_id
        self.dispatcher: Dispatcher | None = None
        self.link: MqttCommandLink | None = None

    def start(self) -> None:
        late = _Late()
        dispatcher = Dispatcher(self.engine, self.clock, late)
        late.link = MqttCommandLink(self.broker, dispatcher.on_ack, client_id=self.client_id)
        self.dispatcher, self.link = dispatcher, late.link
        dispatcher.start()

    def stop(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.link is not None:
            self.link.close()
        self.dispatcher = self.link = None

    def health(self) -> Health:
        if self.dispatcher is None or self.link is None:
            return Health(self.name, False, "not running")
        dispatcher = self.dispatcher.health()
        link = self.link.health()
        ok = dispatcher.ok and link.ok
        return Health(
            self.name,
            ok,
            "; ".join(h.detail for h in (dispatcher, link) if not h.ok),
            {**dispatcher.figures, "mqtt_connections": link.figures.get("connections", 0)},
        )
