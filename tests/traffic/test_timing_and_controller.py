"""The signal control model: plans refuse unsafe timings, the controller runs its plan in
step with its offset and recovers the coordination after priority."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.plans import scheduled_plan, two_stage_plan
from vigie.domains.traffic.timing import (
    ControlMode,
    Intersection,
    Movement,
    SignalGroup,
    Stage,
    TimingError,
    TimingPlan,
)


def test_stage_minimum_holds_pedestrian_walk_and_clearance() -> None:
    plan = two_stage_plan(1, 40, 30, crossing_main_m=14.0)
    # Pedestrians crossing the 14 m main road: 5 s walk + 13 s clearance.
    assert plan.stages[1].min_green_s == 18.0
    assert plan.cycle_s == 80.0
    assert plan.stage_serving("bus") == 0
    assert plan.stage_serving("cross") == 1
    assert plan.stage_serving("nothing") is None


def test_a_plan_below_a_minimum_green_is_refused() -> None:
    with pytest.raises(TimingError, match="shorter than its minimum"):
        two_stage_plan(1, 40, 12, crossing_main_m=14.0)


def test_a_plan_with_one_stage_or_a_bad_number_is_refused() -> None:
    group = SignalGroup("g", Movement.VEHICLE, 5)
    with pytest.raises(TimingError, match="two stages"):
        TimingPlan(1, (Stage("A", (group,), 20, 4),))
    with pytest.raises(TimingError, match="1-255"):
        TimingPlan(0, (Stage("A", (group,), 20, 4), Stage("B", (group,), 20, 4)))


def test_intersection_refuses_an_unknown_plan() -> None:
    junction = Intersection("x", "X", ControlMode.FIXED_TIME, {1: two_stage_plan(1, 40, 30)})
    assert junction.plan(1).number == 1
    with pytest.raises(TimingError, match="no plan 7"):
        junction.plan(7)


def test_schedule_selects_the_plan_by_local_time() -> None:
    # Tuesday 1 December 2026, 07:30 in Paris is 06:30 UTC.
    assert scheduled_plan(datetime(2026, 12, 1, 6, 30, tzinfo=UTC)) == 3
    assert scheduled_plan(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == 2
    assert scheduled_plan(datetime(2026, 12, 1, 16, 0, tzinfo=UTC)) == 4
    assert scheduled_plan(datetime(2026, 12, 1, 23, 0, tzinfo=UTC)) == 1
    # Saturday 5 December, noon: the weekend plan.
    assert scheduled_plan(datetime(2026, 12, 5, 11, 0, tzinfo=UTC)) == 5
    with pytest.raises(ValueError, match="timezone"):
        scheduled_plan(datetime(2026, 12, 1, 12, 0))


def test_controller_runs_the_plan_in_step_with_its_offset() -> None:
    plan = two_stage_plan(1, 40, 30, offset_s=10)
    controller = StageController(plan, now_s=0.0)
    # At 0 s the cycle (80 s, starting at 10 s) is 70 s in: stage B's green (45-75) runs.
    assert controller.state.stage == 1 and controller.state.green
    entered = controller.advance(100.0)
    assert [(s.stage, s.green, s.started_s) for s in entered] == [
        (1, False, 5.0),
        (0, True, 10.0),
        (0, False, 50.0),
        (1, True, 55.0),
        (1, False, 85.0),
        (0, True, 90.0),
    ]


def test_extension_is_bounded_and_the_plan_recovers() -> None:
    plan = two_stage_plan(1, 40, 30)
    controller = StageController(plan, now_s=0.0, extension_budget_s=15.0)
    assert controller.request_extension(45.0)
    assert controller.state.ends_s == 45.0
    assert not controller.request_extension(56.0)  # beyond 40 + 15 s
    controller.advance(50.0)
    # Stage B starts 5 s late and ends on its coordinated end: shortened by 5 s.
    state = controller.state
    assert (state.stage, state.started_s, state.ends_s) == (1, 50.0, 75.0)
    controller.advance(80.0)
    assert (controller.state.stage, controller.state.started_s) == (0, 80.0)


def test_early_end_never_cuts_the_minimum_green() -> None:
    plan = two_stage_plan(1, 40, 30)
    controller = StageController(plan, now_s=46.0)  # stage B started at 45 s
    granted = controller.request_early_end(46.0, target_stage=0, end_at_s=46.0)
    assert granted == 45.0 + plan.stages[1].min_green_s
    controller.advance(granted)
    assert not controller.state.green
    assert controller.state.ends_s == granted + 5.0  # the intergreen is whole
    controller.advance(granted + 5.0)
    state = controller.state
    # Stage A starts early and holds until its coordinated end: the cycle is back in step.
    assert (state.stage, state.green, state.ends_s) == (0, True, 120.0)


def test_release_ends_an_extension_but_not_before_the_planned_end() -> None:
    plan = two_stage_plan(1, 40, 30)
    controller = StageController(plan, now_s=30.0)
    assert controller.request_extension(50.0)
    controller.release(35.0)
    assert controller.state.ends_s == 40.0
    assert controller.request_extension(50.0)
    controller.release(44.0)
    state = controller.state
    assert (state.green, state.started_s) == (False, 44.0)  # the green ended now


def test_next_green_start_follows_the_plan() -> None:
    plan = two_stage_plan(1, 40, 30)
    controller = StageController(plan, now_s=10.0)
    assert controller.next_green_start_s(0, 10.0) == 10.0
    assert controller.next_green_start_s(1, 10.0) == 45.0
