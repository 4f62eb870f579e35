"""Commands to simulated devices (docs/simulator.md): applied at once, reported, expired,
acknowledged — or refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.lab.test_sim_twin import quiet_simulation, small_twin
from vigie.lab.devices.luminaires import DRIVER_LOSS
from vigie.lab.devices.simulation import Simulation
from vigie.registry.snapshot import RegistrySnapshot

__all__ = ["small_twin"]

#: 22:00 in Paris: the profile dims to 70%.
EVENING = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)


def command(simulation: Simulation, asset_id: str, body: dict[str, Any] | bytes) -> Any:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    ack = simulation.command(asset_id, payload)
    return None if ack is None else json.loads(ack)


@pytest.fixture
def evening(small_twin: RegistrySnapshot) -> Simulation:
    simulation = quiet_simulation(small_twin, start=EVENING - timedelta(minutes=2))
    simulation.run_until(EVENING.timestamp())
    simulation.drain()
    return simulation


def test_set_level_changes_power_and_energy_from_that_instant(
    evening: Simulation, small_twin: RegistrySnapshot
) -> None:
    light = small_twin.of_type("Streetlight")[0]
    rated = float(light.attributes["rated_power_w"])
    until = EVENING + timedelta(minutes=30)
    ack = command(
        evening,
        light.id,
        {"id": "c-1", "action": "set_level", "level_pct": 100, "until": until.isoformat()},
    )
    assert ack == {
        "id": "c-1",
        "status": "acknowledged",
        "ts": EVENING.isoformat(timespec="microseconds"),
    }
    reported = [r for r in evening.drain() if r.asset_id == light.id]
    assert len(reported) == 1 and reported[0].ts_s == EVENING.timestamp()
    assert reported[0].metrics["dim_pct"] == 100
    assert reported[0].metrics["power_w"] == pytest.approx(rated * DRIVER_LOSS, abs=0.01)
    energy_at_command = reported[0].metrics["energy_wh"]
    evening.run_until((until + timedelta(minutes=1)).timestamp())
    after = [r for r in evening.drain() if r.asset_id == light.id]
    expiry = next(r for r in after if r.ts_s == until.timestamp())
    assert expiry.metrics["dim_pct"] == 70  # back to the profile when the override ends
    gained = expiry.metrics["energy_wh"] - energy_at_command
    assert gained == pytest.approx(rated * DRIVER_LOSS * 0.5, abs=2e-3)


def test_a_cabinet_switches_all_its_lights(
    evening: Simulation, small_twin: RegistrySnapshot
) -> None:
    cabinet = small_twin.of_type("StreetlightControlCabinet")[0].id
    ack = command(evening, cabinet, {"id": "c-2", "action": "switch", "on": False})
    assert ack["status"] == "acknowledged"
    reported = [r for r in evening.drain() if r.gateway == cabinet]
    assert reported and all(not r.metrics["on"] and r.metrics["power_w"] == 0.3 for r in reported)


def test_a_controller_takes_a_plan(evening: Simulation, small_twin: RegistrySnapshot) -> None:
    controller = small_twin.of_type("TrafficSignalController")[0].id
    ack = command(evening, controller, {"id": "c-3", "action": "set_plan", "plan": 7})
    assert ack["status"] == "acknowledged"
    (reading,) = [r for r in evening.drain() if r.asset_id == controller]
    assert reading.metrics["plan"] == 7


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"id": "x", "action": "set_level", "level_pct": 140}, "level_pct"),
        ({"id": "x", "action": "set_level"}, "level_pct"),
        ({"id": "x", "action": "self_destruct"}, "unsupported action"),
        ({"id": "x", "action": "switch", "on": True, "until": "2020-01-01T00:00:00Z"}, "past"),
        ({"id": "x", "action": "switch", "on": True, "until": "tomorrow"}, "RFC 3339"),
        ({"action": "switch", "on": True}, "no id"),
        (b"{not json", "unreadable"),
    ],
)
def test_bad_commands_are_refused_with_a_reason(
    evening: Simulation, small_twin: RegistrySnapshot, body: dict[str, Any] | bytes, reason: str
) -> None:
    ack = command(evening, small_twin.of_type("Streetlight")[0].id, body)
    assert ack["status"] == "failed" and reason in ack["reason"]
    assert ack["id"] == (body.get("id") if isinstance(body, dict) else None)


def test_no_answer_from_devices_that_are_not_there(evening: Simulation) -> None:
    body = {"id": "c-4", "action": "switch", "on": True}
    assert command(evening, "urn:ngsi-ld:Streetlight:21231:999999", body) is None
