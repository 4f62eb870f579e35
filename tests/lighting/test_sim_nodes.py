"""Simulated luminaire nodes store and run the programme they are assigned, apply adaptive
steps above their floor, refuse a late copy, and meter their own energy from what they were
actually commanded; in counters-only mode their cabinet forwards their counters on the
interval's boundaries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.lab.test_sim_twin import small_twin
from vigie.domains.lighting.astro import PARIS
from vigie.domains.lighting.classes import adaptive_level, floor_pct
from vigie.lab.devices.lighting import NodeReporting
from vigie.lab.devices.luminaires import DRIVER_LOSS, STANDBY_W
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.registry.snapshot import RegistrySnapshot

__all__ = ["small_twin"]

NOON = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
STEPS = [
    {"at": "sunset", "level_pct": 100},
    {"at": "21:00", "level_pct": 60},
    {"at": "sunrise", "level_pct": 0},
]


def _command(simulation: Simulation, asset_id: str, body: dict[str, Any]) -> Any:
    ack = simulation.command(asset_id, json.dumps(body).encode())
    return None if ack is None else json.loads(ack)


def _simulation(twin: RegistrySnapshot, reporting: NodeReporting | None = None) -> Simulation:
    simulation = Simulation(
        twin, seed=3, start=NOON, faults=FaultConfig.none(), lighting_reporting=reporting
    )
    simulation.run_until(NOON.timestamp())
    simulation.drain()
    return simulation


def test_an_assigned_programme_runs_on_the_node(small_twin: RegistrySnapshot) -> None:
    simulation = _simulation(small_twin)
    light = small_twin.of_type("Streetlight")[0]
    ack = _command(
        simulation,
        light.id,
        {"id": "p1", "action": "assign_program", "program_id": "p", "steps": STEPS},
    )
    assert ack["status"] == "acknowledged"
    lighting = simulation.lighting
    i = lighting.light_index[light.id]
    night = datetime(2026, 1, 5, 20, 30, tzinfo=PARIS)
    simulation.run_until(night.timestamp())
    assert lighting.bank.level[i] == 100.0
    simulation.run_until(datetime(2026, 1, 5, 21, 5, tzinfo=PARIS).timestamp())
    assert lighting.bank.level[i] == 60.0
    rated = float(light.attributes["rated_power_w"])
    assert lighting.bank.power_w[i] == pytest.approx(rated * 0.6 * DRIVER_LOSS)
    # Its neighbours on the factory schedule are at 100% until 22:00.
    others = [
        k
        for k in range(len(lighting.bank))
        if lighting.bank.group[k] == lighting.bank.group[i] and k != i
    ]
    assert others and all(lighting.bank.level[k] == 100.0 for k in others)
    # Morning: off at sunrise exactly (no offset in this programme), standby power.
    simulation.run_until(datetime(2026, 1, 6, 9, 0, tzinfo=PARIS).timestamp())
    assert not lighting.bank.on[i] and lighting.bank.power_w[i] == STANDBY_W


def test_energy_is_metered_from_what_was_commanded(small_twin: RegistrySnapshot) -> None:
    simulation = _simulation(small_twin)
    light = small_twin.of_type("Streetlight")[0]
    lighting = simulation.lighting
    i = lighting.light_index[light.id]
    _command(
        simulation,
        light.id,
        {"id": "p1", "action": "assign_program", "program_id": "p", "steps": STEPS},
    )
    start = datetime(2026, 1, 5, 21, 10, tzinfo=PARIS).timestamp()
    simulation.run_until(start)
    before = lighting.bank.energy_wh(i, start)
    end = start + 3600.0
    simulation.run_until(end)
    rated = float(light.attributes["rated_power_w"])
    assert lighting.bank.energy_wh(i, end) - before == pytest.approx(rated * 0.6 * DRIVER_LOSS)


def test_adaptive_steps_lower_by_the_class_ratio_never_below_the_floor(
    small_twin: RegistrySnapshot,
) -> None:
    simulation = _simulation(small_twin)
    light = small_twin.of_type("Streetlight")[0]
    design = str(light.attributes["lighting_class"])
    lighting = simulation.lighting
    i = lighting.light_index[light.id]
    simulation.run_until(datetime(2026, 1, 5, 20, 0, tzinfo=PARIS).timestamp())
    assert lighting.bank.level[i] == 100.0
    for steps in (1, 2, 0):
        ack = _command(
            simulation, light.id, {"id": f"a{steps}", "action": "adapt", "class_steps": steps}
        )
        assert ack["status"] == "acknowledged"
        assert lighting.bank.level[i] == pytest.approx(adaptive_level(design, 100.0, steps))
        assert lighting.bank.level[i] >= floor_pct(design)
    # A cabinet passes it to all its powered nodes.
    cabinet = lighting.cabinet_ids[int(lighting.bank.group[i])]
    _command(simulation, cabinet, {"id": "c2", "action": "adapt", "class_steps": 2})
    a, b = lighting.slices[int(lighting.bank.group[i])]
    for k in range(a, b):
        expected = adaptive_level(lighting.light_class[k], 100.0, 2)
        assert lighting.bank.level[k] == pytest.approx(expected)


def test_a_copy_arriving_after_its_expiry_is_refused(small_twin: RegistrySnapshot) -> None:
    simulation = _simulation(small_twin)
    light = small_twin.of_type("Streetlight")[0]
    expired = (NOON - timedelta(seconds=1)).isoformat()
    ack = _command(
        simulation,
        light.id,
        {"id": "x", "action": "set_level", "level_pct": 80, "expires": expired},
    )
    assert ack["status"] == "failed" and ack["reason"] == "arrived after it expired"
    bad = _command(
        simulation,
        light.id,
        {"id": "y", "action": "assign_program", "program_id": "q", "steps": STEPS[:1]},
    )
    assert bad["status"] == "failed" and "programme refused" in bad["reason"]


def test_counters_only_mode_reports_on_the_interval_boundaries(
    small_twin: RegistrySnapshot,
) -> None:
    reporting = NodeReporting(
        interval_s=3600.0, on_change=False, counters_only=True, cabinet_interval_s=3600.0
    )
    simulation = _simulation(small_twin, reporting)
    simulation.run_until((NOON + timedelta(hours=12)).timestamp())
    lights = {a.id for a in small_twin.of_type("Streetlight")}
    readings = [r for r in simulation.drain() if r.asset_id in lights]
    assert {tuple(r.metrics) for r in readings} == {("energy_wh",)}
    assert {r.ts_s % 3600.0 for r in readings} == {0.0}
    per_light: dict[str, int] = {}
    for r in readings:
        per_light[r.asset_id] = per_light.get(r.asset_id, 0) + 1
    assert set(per_light.values()) == {12}
