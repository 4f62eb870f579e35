"""MQTT adapter: ingest workers that share the telemetry subscription (see worker.py)."""

from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto
from vigie.adapters.mqtt.settings import BrokerAddress, MqttSettings, MqttSettingsError
from vigie.adapters.mqtt.worker import IngestWorker, WorkerStats

__all__ = [
    "BrokerAddress",
    "IngestWorker",
    "LocalBroker",
    "MqttSettings",
    "MqttSettingsError",
    "WorkerStats",
    "find_mosquitto",
]
