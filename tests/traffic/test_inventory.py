"""Every signalised intersection of the generated twin has a control model whose plans keep
their minimum greens, pedestrian clearances and intergreens."""

from __future__ import annotations

import pytest

from tests.lab.test_sim_twin import small_twin
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.traffic.inventory import PLAN_CYCLES_S, intersection_from_asset
from vigie.domains.traffic.timing import Movement, validate_plan
from vigie.registry.snapshot import RegistrySnapshot

__all__ = ["small_twin"]


def test_each_twin_intersection_has_safe_plans(small_twin: RegistrySnapshot) -> None:
    controllers = small_twin.of_type(TRAFFIC_SIGNAL_CONTROLLER)
    assert controllers
    for asset in controllers:
        model = intersection_from_asset(asset)
        assert set(model.plans) == set(PLAN_CYCLES_S)
        for number, plan in model.plans.items():
            assert validate_plan(plan) == []
            assert plan.cycle_s >= PLAN_CYCLES_S[number]
        a, b = model.plans[2].stages
        # Buses run with the main road; pedestrians crossing it wait for the other stage.
        assert {g.movement for g in a.groups} >= {Movement.VEHICLE, Movement.BUS}
        assert Movement.BUS not in {g.movement for g in b.groups}
        walkers = [g for g in b.groups if g.movement is Movement.PEDESTRIAN]
        assert walkers and b.min_green_s >= max(g.min_stage_green_s for g in walkers)
        groups = sum(1 for p in asset.parts if p.kind == "signal_group")
        assert len(a.groups) + len(b.groups) == groups


def test_a_controller_without_two_roads_is_refused(small_twin: RegistrySnapshot) -> None:
    asset = small_twin.of_type(TRAFFIC_SIGNAL_CONTROLLER)[0]
    lone = type(asset)(**{**{f: getattr(asset, f) for f in asset.__struct_fields__},
                          "parts": asset.parts[:1]})  # fmt: skip
    with pytest.raises(ValueError, match="two roads"):
        intersection_from_asset(lone)
