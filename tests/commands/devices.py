"""Simulated field devices on a real broker for the command tests: the simulator's MQTT link
and its command handler, pumped by a thread (what `vigie sim run` does between steps)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy.engine import Engine

from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.lab.transport import MqttLink
from vigie.registry.snapshot import load_snapshot


class FieldDevices:
    def __init__(self, engine: Engine, start: datetime) -> None:
        self.simulation = Simulation(load_snapshot(engine), seed=5, start=start,
                                     faults=FaultConfig.none())  # fmt: skip
        self.simulation.run_until(start.timestamp())
        self.simulation.drain()
        self.answered = 0
        self._link: MqttLink | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def connect(self, url: str, client_id: str = "test-devices") -> None:
        """Come online: subscribe to commands and answer them from now on."""
        self._link = MqttLink(url, client_id=client_id, commands=True)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        link = self._link
        assert link is not None
        while not self._stop.is_set():
            for asset_id, payload in link.pending_commands():
                ack = self.simulation.command(asset_id, payload)
                if ack is not None:
                    link.publish_ack(asset_id, ack)
                    self.answered += 1
            time.sleep(0.005)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._link is not None:
            self._link.close()


def wait_for(condition: object, timeout_s: float = 30.0) -> None:
    """Wait (bounded) until condition() holds; the bound only stops a hung test."""
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)
