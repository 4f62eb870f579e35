"""Adaptive steps: down one class at a time as traffic falls, back up with hysteresis."""

from __future__ import annotations

from vigie.domains.lighting.adaptive import (
    MIN_OBSERVATIONS,
    AdaptiveController,
    Site,
    next_steps,
    zones,
)


def test_steps_move_one_class_at_a_time_with_hysteresis() -> None:
    assert next_steps(0, 0.8) == 0
    assert next_steps(0, 0.1) == 1  # target two, but one step per evaluation
    assert next_steps(1, 0.1) == 2
    assert next_steps(2, 0.21) == 2  # above 20% but inside the hysteresis band
    assert next_steps(2, 0.26) == 1
    assert next_steps(1, 0.52) == 1  # hysteresis again
    assert next_steps(1, 0.56) == 0
    assert next_steps(0, 0.45) == 1


def test_zones_join_cabinets_to_the_nearest_intersection_within_reach() -> None:
    crossings = [Site("x1", 5.0400, 47.3220), Site("x2", 5.0600, 47.3220)]
    cabinets = [Site("c-near", 5.0410, 47.3221), Site("c-far", 5.1000, 47.3500)]
    assert zones(cabinets, crossings) == {"c-near": "x1"}


def test_controller_follows_an_evening_and_a_morning() -> None:
    controller = AdaptiveController({"c1": "x1", "c2": "x1"})
    # A day of observations sets the reference (peak 1,000 veh/h) before anything moves.
    for hour in range(MIN_OBSERVATIONS - 1):
        assert controller.decide({"x1": 1000.0 if hour == 8 else 600.0}) == {}
    evening = [700.0, 450.0, 150.0, 60.0, 60.0, 240.0, 300.0, 600.0]
    steps = []
    for flow in evening:
        changes = controller.decide({"x1": flow})
        steps.append(controller.steps.get("c1", 0))
        if changes:
            assert set(changes) == {"c1", "c2"}
    assert steps == [0, 1, 2, 2, 2, 2, 1, 0]
    assert controller.decide({}) == {}  # no count this hour: nothing changes
