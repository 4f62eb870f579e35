"""Every priority strategy, conditional priority, arbitration, preemption and check-out."""

from __future__ import annotations

import pytest

from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.preemption import RouteCrossing, green_wave
from vigie.domains.traffic.priority import PriorityConfig, Strategy, decide
from vigie.domains.traffic.requests import PriorityRequest, Rank, arbitrate
from vigie.domains.traffic.server import PriorityServer

PLAN = two_stage_plan(1, 40, 30)  # A 0-40, intergreen, B 45-75, intergreen, cycle 80 s
STAGES = {"main": 0, "bus": 0, "cross": 1}
ALWAYS = PriorityConfig(lateness_threshold_s=None)


def bus(
    eta_s: float, lateness_s: float = 120.0, gap_s: float = 480.0, name: str = "b1"
) -> PriorityRequest:
    return PriorityRequest(name, name, "x1", "bus", eta_s, Rank.BUS, lateness_s, gap_s)


def test_green_extension_holds_the_green_until_the_bus_arrives() -> None:
    controller = StageController(PLAN, now_s=35.0)
    decision = decide(controller, STAGES, [bus(eta_s=44.0)], ALWAYS, now_s=35.0)
    assert decision.strategy is Strategy.GREEN_EXTENSION
    assert controller.state.ends_s == 44.0 + ALWAYS.arrival_margin_s


def test_no_extension_when_the_green_lasts_anyway() -> None:
    controller = StageController(PLAN, now_s=10.0)
    decision = decide(controller, STAGES, [bus(eta_s=20.0)], ALWAYS, now_s=10.0)
    assert (decision.strategy, decision.reason) == (Strategy.NONE, "green until arrival")


def test_no_extension_past_the_controller_limit() -> None:
    controller = StageController(PLAN, now_s=35.0, extension_budget_s=10.0)
    decision = decide(controller, STAGES, [bus(eta_s=60.0)], ALWAYS, now_s=35.0)
    assert decision.strategy is Strategy.NONE
    assert controller.state.ends_s == 40.0


def test_early_green_ends_the_cross_street_green_for_the_bus() -> None:
    controller = StageController(PLAN, now_s=50.0)  # B green since 45 s, planned to 75 s
    decision = decide(controller, STAGES, [bus(eta_s=75.0)], ALWAYS, now_s=50.0)
    assert decision.strategy is Strategy.EARLY_GREEN
    # Bus stage green 2 s before arrival, after a whole 5 s intergreen: B ends at 68 s.
    assert controller.state.ends_s == 68.0


def test_early_green_never_cuts_the_pedestrian_clearance() -> None:
    controller = StageController(PLAN, now_s=50.0)
    decision = decide(controller, STAGES, [bus(eta_s=52.0)], ALWAYS, now_s=50.0)
    assert decision.strategy is Strategy.EARLY_GREEN
    # B's minimum is 5 s walk + 13 s clearance over the main road, from 45 s.
    assert controller.state.ends_s == 45.0 + 18.0


def test_no_early_green_during_an_intergreen() -> None:
    controller = StageController(PLAN, now_s=76.0)
    decision = decide(controller, STAGES, [bus(eta_s=90.0)], ALWAYS, now_s=76.0)
    assert decision.strategy is Strategy.NONE


def test_strategies_can_be_switched_off() -> None:
    config = PriorityConfig(green_extension=False, early_green=False, lateness_threshold_s=None)
    controller = StageController(PLAN, now_s=35.0)
    assert decide(controller, STAGES, [bus(44.0)], config, 35.0).reason == "green extension off"
    controller = StageController(PLAN, now_s=50.0)
    assert decide(controller, STAGES, [bus(75.0)], config, 50.0).reason == "early green off"


@pytest.mark.parametrize(("lateness_s", "granted"), [(59.0, False), (60.0, True), (300.0, True)])
def test_conditional_priority_only_for_late_buses(lateness_s: float, granted: bool) -> None:
    config = PriorityConfig(lateness_threshold_s=60.0)
    controller = StageController(PLAN, now_s=35.0)
    decision = decide(controller, STAGES, [bus(44.0, lateness_s)], config, now_s=35.0)
    assert (decision.strategy is Strategy.GREEN_EXTENSION) is granted


def test_arbitration_serves_the_later_bus_then_the_fuller_gap() -> None:
    on_time = bus(44.0, lateness_s=10.0, name="on_time")
    late = bus(50.0, lateness_s=200.0, name="late")
    late_small_gap = bus(45.0, lateness_s=200.0, gap_s=300.0, name="late_small_gap")
    ordered = arbitrate([on_time, late_small_gap, late])
    assert [r.request_id for r in ordered] == ["late", "late_small_gap", "on_time"]
    controller = StageController(PLAN, now_s=35.0)
    decision = decide(controller, STAGES, [on_time, late_small_gap, late], ALWAYS, now_s=35.0)
    assert decision.request is not None and decision.request.request_id == "late"


def test_preemption_outranks_any_bus_and_ignores_lateness() -> None:
    route = [RouteCrossing(f"x{i}", "cross", 200.0 * i) for i in range(1, 6)]
    wave = green_wave("amb1", route, travelled_m=0.0, speed_m_s=25.0, now_s=5.0, horizon_s=30)
    # 200, 400 and 600 m at 25 m/s are within 30 s; 800 m is not yet.
    assert [r.intersection_id for r in wave] == ["x1", "x2", "x3"]
    assert all(r.rank is Rank.EMERGENCY for r in wave)
    ambulance = wave[0]
    late_bus = bus(60.0, lateness_s=900.0)
    assert arbitrate([late_bus, ambulance])[0] is ambulance
    # Conditional priority does not apply to it, nor the strategies switched off.
    config = PriorityConfig(lateness_threshold_s=600.0, green_extension=False, early_green=False)
    controller = StageController(PLAN, now_s=5.0)  # main road green: the ambulance is on B
    decision = decide(controller, STAGES, [late_bus, ambulance], config, now_s=5.0)
    assert decision.request is ambulance
    assert decision.strategy is Strategy.EARLY_GREEN
    assert controller.state.ends_s == PLAN.stages[0].min_green_s  # A's minimum green holds
    with pytest.raises(ValueError, match="positive"):
        green_wave("amb1", route, 0.0, 0.0, 0.0)


def test_server_checks_in_and_out_and_inhibits_reservice() -> None:
    server = PriorityServer(PriorityConfig(lateness_threshold_s=None, reservice_inhibit_s=60.0))
    server.add_intersection("x1", StageController(PLAN, now_s=35.0))
    first = server.check_in(bus(44.0, name="b1"), now_s=35.0)
    assert first.strategy is Strategy.GREEN_EXTENSION
    assert server.controller("x1").state.ends_s == 47.0
    # The bus crossed sooner than expected: the extension ends (the planned end has passed).
    server.check_out("x1", "b1", now_s=42.0)
    state = server.controller("x1").state
    assert (state.green, state.started_s) == (False, 42.0)
    assert server.requests_at("x1") == []
    server.advance(50.0)
    second = server.check_in(bus(90.0, name="b2"), now_s=50.0)
    assert (second.strategy, second.reason) == (Strategy.NONE, "re-service inhibited")
    assert server.granted[Strategy.GREEN_EXTENSION] == 1
    # A request waiting through the intergreen is decided when the next green starts.
    server.check_out("x1", "b2", now_s=51.0)
    assert server.decisions == 2


def test_server_decides_when_a_green_starts() -> None:
    server = PriorityServer(ALWAYS)
    server.add_intersection("x1", StageController(PLAN, now_s=41.0))  # intergreen after A
    decision = server.check_in(bus(70.0, name="b1"), now_s=41.0)
    assert decision.reason == "intergreen running"
    server.advance(45.0)  # B turns green: now it can be ended early for the bus
    assert server.granted[Strategy.EARLY_GREEN] == 1
    assert server.controller("x1").state.ends_s == 63.0


def test_preemption_holds_a_green_past_the_bus_budget_but_ends_it_later() -> None:
    late_bus = bus(eta_s=60.0)
    ambulance = PriorityRequest("a1", "a1", "x1", "bus", 60.0, Rank.EMERGENCY)
    bus_controller = StageController(PLAN, now_s=35.0, extension_budget_s=10.0)
    refused = decide(bus_controller, STAGES, [late_bus], ALWAYS, now_s=35.0)
    assert refused.reason == "arrival beyond the extension limit"
    controller = StageController(PLAN, now_s=35.0, extension_budget_s=10.0)
    held = decide(controller, STAGES, [ambulance], ALWAYS, now_s=35.0)
    assert held.strategy is Strategy.GREEN_EXTENSION
    assert controller.state.ends_s == 60.0 + ALWAYS.arrival_margin_s
    # Early green comes sooner for an ambulance, so the queue ahead of it clears.
    for request, end in (
        (bus(80.0), 73.0),
        (PriorityRequest("a2", "a2", "x1", "bus", 80.0, Rank.EMERGENCY), 63.0),
    ):
        controller = StageController(PLAN, now_s=50.0)  # B green since 45 s
        decide(controller, STAGES, [request], ALWAYS, now_s=50.0)
        assert controller.state.ends_s == end
