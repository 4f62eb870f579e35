"""The server's command dispatcher on MQTT (started with VIGIE_MQTT_URL)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from vigie.adapters.mqtt.settings import MqttSettings
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.mqtt import MqttCommandLink
from vigie.core.clock import Clock


@dataclass
class RunningDispatcher:
    dispatcher: Dispatcher
    link: MqttCommandLink

    def stop(self) -> None:
        self.dispatcher.stop()
        self.link.close()


class _Late:
    """The link is made after the dispatcher (it needs the dispatcher's ack handler)."""

    link: MqttCommandLink | None = None

    def publish(self, topic: str, payload: bytes) -> None:
        assert self.link is not None
        self.link.publish(topic, payload)


def start_dispatcher(engine: Engine, clock: Clock, client_id: str) -> RunningDispatcher:
    late = _Late()
    dispatcher = Dispatcher(engine, clock, late)
    settings = MqttSettings.from_env(client_id=client_id)
    late.link = MqttCommandLink(settings.broker, dispatcher.on_ack, client_id=client_id)
    dispatcher.start()
    return RunningDispatcher(dispatcher, late.link)
