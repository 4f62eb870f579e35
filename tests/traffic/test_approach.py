"""Position reports become check-ins and check-outs at the intersection ahead, both ways."""

from __future__ import annotations

import numpy as np
import pytest

from vigie.domains.traffic.approach import ApproachTracker
from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.priority import PriorityConfig, Strategy
from vigie.domains.traffic.server import PriorityServer
from vigie.domains.transit.line_path import EquippedCrossing, LinePath


def tracker() -> ApproachTracker:
    server = PriorityServer(PriorityConfig(lateness_threshold_s=None))
    crossings = [
        EquippedCrossing("x1", "bus", "bus", 500.0),
        EquippedCrossing("x2", "bus", "bus", 1200.0),
    ]
    for crossing in crossings:
        server.add_intersection(crossing.intersection_id, StageController(two_stage_plan(
            1, 40, 30), now_s=0.0))  # fmt: skip
    path = LinePath(np.array([[0.0, 0.0], [1000.0, 0.0], [1000.0, 1000.0]]), crossings)
    return ApproachTracker(server, {"L1": path})


def test_locate_projects_onto_the_path() -> None:
    path = tracker().lines["L1"]
    assert path.locate(300.0, 12.0) == pytest.approx(300.0)
    assert path.locate(1005.0, 400.0) == pytest.approx(1400.0)
    with pytest.raises(ValueError, match="two points"):
        LinePath(np.array([[0.0, 0.0]]), [])


def test_a_bus_checks_in_ahead_and_out_once_past() -> None:
    t = tracker()
    assert t.on_position("b1", "L1", 100.0, 0.0, 10.0, now_s=30.0) is None  # 400 m away
    decision = t.on_position("b1", "L1", 300.0, 0.0, 10.0, now_s=35.0)
    assert decision is not None and decision.request is not None
    assert decision.request.intersection_id == "x1"
    # Stage A would end at 40 s; arrival about 55 s: the green is extended for the bus.
    assert decision.strategy is Strategy.GREEN_EXTENSION
    assert [r.request_id for r in t.server.requests_at("x1")] == ["b1"]
    assert t.on_position("b1", "L1", 520.0, 0.0, 10.0, now_s=57.0) is None
    assert t.server.requests_at("x1") == []
    # On its way back the bus approaches x1 again, from the other side.
    assert t.on_position("b1", "L1", 700.0, 0.0, 10.0, now_s=75.0) is None  # x2: 500 m
    back = t.on_position("b1", "L1", 650.0, 0.0, 10.0, now_s=90.0)
    assert back is not None and back.request is not None
    assert back.request.intersection_id == "x1"
    assert t.server.requests_at("x2") == []
