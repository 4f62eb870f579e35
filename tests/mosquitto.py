"""A real Mosquitto for tests (`mosquitto` fixture) and a device-like publisher.

The broker listens on a free 127.0.0.1 port only, with persistence in the test's temporary
folder; it is stopped after the test. `make test` installs it (scripts/system-packages.sh).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto
from vigie.adapters.mqtt.settings import sign_in

Message = tuple[str, bytes]  # topic, payload


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[LocalBroker]:
    if find_mosquitto() is None:
        pytest.fail("mosquitto is not installed: `make test` installs it (system-packages.sh)")
    with LocalBroker(tmp_path / "mosquitto") as broker:
        yield broker


class Publisher:
    """A device (or gateway) connection that publishes and waits for the broker's PUBACKs."""

    def __init__(self, url: str, client_id: str = "test-device", inflight: int = 1_000) -> None:
        self._client = Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5
        )
        address = sign_in(self._client, url)
        self._client.max_inflight_messages_set(inflight)
        self._client.max_queued_messages_set(0)
        self._acked = threading.Semaphore(inflight)
        self._client.on_publish = lambda *_args: self._acked.release()
        self._client.connect(address.host, address.port)
        self._client.loop_start()

    def publish(self, messages: Iterable[Message], qos: int = 1) -> int:
        """Publish every message and return once the broker acknowledged them all."""
        infos = []
        for topic, payload in messages:
            self._acked.acquire()  # bound the in-flight window (packet ids are 16 bits)
            infos.append(self._client.publish(topic, payload, qos=qos))
        for info in infos:
            info.wait_for_publish(timeout=60)
            assert info.is_published(), f"broker did not acknowledge mid {info.mid}"
        return len(infos)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
