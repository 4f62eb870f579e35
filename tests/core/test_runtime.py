"""The runtime: services started in order, stopped in reverse, their health reported."""

from __future__ import annotations

import pytest

from vigie.core.service import Health, Service
from vigie.runtime import Runtime, RuntimeStartError


class Recorder:
    def __init__(self, name: str, log: list[str], *, fail_start: bool = False) -> None:
        self.name = name
        self.log = log
        self.fail_start = fail_start
        self.running = False
        self.broken = ""

    def start(self) -> None:
        if self.fail_start:
            raise OSError("broker unreachable")
        self.log.append(f"start {self.name}")
        self.running = True

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")
        self.running = False

    def health(self) -> Health:
        return Health(self.name, self.running and not self.broken, self.broken)


def test_services_start_in_order_and_stop_in_reverse() -> None:
    log: list[str] = []
    services = [Recorder(name, log) for name in ("alarms", "pipeline", "ingest")]
    assert all(isinstance(s, Service) for s in services)
    with Runtime(services) as runtime:
        assert runtime.healthy()
        assert [h.name for h in runtime.health()] == ["alarms", "pipeline", "ingest"]
    assert log == [
        "start alarms", "start pipeline", "start ingest",
        "stop ingest", "stop pipeline", "stop alarms",
    ]  # fmt: skip


def test_a_failing_service_shows_in_the_health() -> None:
    log: list[str] = []
    alarms, ingest = Recorder("alarms", log), Recorder("ingest", log)
    runtime = Runtime([alarms, ingest])
    runtime.start()
    ingest.broken = "not connected to mqtt://127.0.0.1:1883; reconnecting"
    health = {h.name: h for h in runtime.health()}
    assert health["alarms"].ok
    assert not health["ingest"].ok
    assert "not connected" in health["ingest"].detail
    assert not runtime.healthy()
    runtime.stop()


def test_a_service_that_cannot_start_stops_those_before_it() -> None:
    log: list[str] = []
    runtime = Runtime(
        [Recorder("alarms", log), Recorder("commands", log, fail_start=True), Recorder("x", log)]
    )
    with pytest.raises(RuntimeStartError, match="commands"):
        runtime.start()
    assert log == ["start alarms", "stop alarms"]
    health = {h.name: h for h in runtime.health()}
    assert not health["commands"].ok
    assert "broker unreachable" in health["commands"].detail


def test_a_service_failing_to_stop_does_not_keep_the_others_running() -> None:
    log: list[str] = []

    class Stubborn(Recorder):
        def stop(self) -> None:
            raise RuntimeError("stuck")

    first = Recorder("first", log)
    runtime = Runtime([first, Stubborn("stubborn", log)])
    runtime.start()
    runtime.stop()
    assert not first.running
