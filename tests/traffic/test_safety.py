"""The safety monitor counts short greens and cut intergreens; a controller serving priority
requests as hard as it can still shows none."""

from __future__ import annotations

from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.traffic.requests import PriorityRequest, Rank
from vigie.domains.traffic.safety import GroupLimits, SafetyMonitor
from vigie.domains.traffic.server import PriorityServer

PLAN = two_stage_plan(1, 40, 30)
A = {"main", "bus", "walk_side"}
B = {"cross", "walk_main"}


def test_limits_come_from_the_plan() -> None:
    limits = GroupLimits.from_plan(PLAN)
    assert limits.min_green_s["cross"] == 18.0  # walk 5 s + clearance 13 s of its stage
    assert limits.intergreen_s[("main", "cross")] == 5.0
    assert ("main", "bus") not in limits.intergreen_s


def test_monitor_counts_a_short_green_and_a_cut_intergreen() -> None:
    monitor = SafetyMonitor(GroupLimits.from_plan(PLAN))
    monitor.start(A, 0.0)
    monitor.observe(A, 1.0)
    monitor.observe(set(), 40.0)
    monitor.observe(B, 45.0)  # a whole intergreen
    monitor.observe(set(), 50.0)  # B green only 5 s: short
    monitor.observe(A, 52.0)  # 2 s after B ended: intergreen cut
    monitor.observe(A | B, 70.0)  # conflicting greens together
    kinds = sorted(v.kind for v in monitor.violations)
    assert kinds.count("min_green") == 2  # cross and walk_main
    assert kinds.count("intergreen") >= 3
    assert all(v.limit_s > v.lasted_s for v in monitor.violations)


def test_the_first_partial_green_is_not_judged() -> None:
    monitor = SafetyMonitor(GroupLimits.from_plan(PLAN))
    monitor.start(B, 70.0)
    monitor.observe(set(), 75.0)
    monitor.observe(A, 80.0)
    assert monitor.violations == []
    assert monitor.greens_judged == 0


def test_priority_at_every_second_never_breaks_a_limit() -> None:
    """Buses and ambulances asking on both roads all the time, for two hours: the signal
    heads still show every minimum green and every intergreen whole."""
    server = PriorityServer(PriorityConfig(lateness_threshold_s=None, max_extension_s=30))
    server.add_intersection("x1", StageController(PLAN, now_s=0.0))
    monitor = SafetyMonitor(GroupLimits.from_plan(PLAN))

    def green_groups() -> set[str]:
        state = server.controller("x1").state
        return {g.id for g in PLAN.stages[state.stage].groups} if state.green else set()

    monitor.start(green_groups(), 0.0)
    for second in range(1, 7200):
        now = float(second)
        server.advance(now)
        group, rank = [("bus", Rank.BUS), ("cross", Rank.EMERGENCY)][second // 97 % 2]
        eta = now + (second * 7919 % 40)
        name = f"v{second // 13}"
        server.check_in(PriorityRequest(name, name, "x1", group, eta, rank, 300.0), now)
        if second % 13 == 12:
            server.check_out("x1", name, now)
        monitor.observe(green_groups(), now)
    assert server.decisions > 7000
    assert sum(server.granted.values()) > 100
    assert monitor.violations == []
    assert monitor.greens_judged > 150
