"""Same twin, seed and start: the same readings and the same faults, so a run can be
replayed to score alarms; another seed, another run. And the simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.lab.test_sim_twin import START, small_twin
from vigie.lab.clock import DEFAULT_CATCH_UP, SimulatedClock, simulated_start
from vigie.lab.faults.config import FaultConfig
from vigie.lab.runner import RunConfig, replay
from vigie.lab.transport import MemorySender
from vigie.registry.snapshot import RegistrySnapshot

__all__ = ["small_twin"]


def _run(twin: RegistrySnapshot, seed: int) -> tuple[MemorySender, dict[str, object]]:
    sender = MemorySender()
    config = RunConfig(
        seed=seed, start=START, duration=timedelta(hours=1), faults=FaultConfig.scaled(1000)
    )
    return sender, replay(twin, config, sender)


def test_a_seed_gives_the_same_run(small_twin: RegistrySnapshot) -> None:
    first, first_totals = _run(small_twin, 11)
    again, again_totals = _run(small_twin, 11)
    other, other_totals = _run(small_twin, 12)
    assert first.readings == again.readings
    assert first_totals == again_totals
    assert first_totals["faults"]["injected"] > 0  # type: ignore[index]
    assert other.readings != first.readings
    assert other_totals["faults"] != first_totals["faults"]


class FakeTime:
    def __init__(self) -> None:
        self.s = 100.0

    def __call__(self) -> float:
        return self.s


def test_the_simulated_clock_runs_at_its_speed() -> None:
    wall = FakeTime()
    start = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    clock = SimulatedClock(start, 60.0, monotonic=wall)
    assert clock.now() == start
    wall.s += 10.0
    assert clock.now() == start + timedelta(minutes=10)
    assert clock.wall_seconds_until(clock.now_s() + 120.0) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 1, 5), 1.0)


def test_a_fast_run_never_gets_ahead_of_the_wall_clock() -> None:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert simulated_start(now, 1.0, timedelta(hours=10)) == now
    assert simulated_start(now, 60.0, timedelta(hours=10)) == now - timedelta(hours=10)
    assert simulated_start(now, 60.0, None) == now - DEFAULT_CATCH_UP
    wall = FakeTime()
    clock = SimulatedClock(
        now - timedelta(hours=1), 61.0, never_ahead_of_wall=True, monotonic=wall, wall=lambda: now
    )
    wall.s += 30.0  # 30 s of wall time: 30.5 min simulated, still behind
    assert clock.now() == now - timedelta(hours=1) + timedelta(seconds=61 * 30)
    wall.s += 60.0  # it would be 30 s ahead: it has caught up and runs at real time
    assert clock.now() == now + timedelta(seconds=90)
    wall.s += 10.0
    assert clock.now() == now + timedelta(seconds=100)
    assert clock.wall_seconds_until(clock.now_s() + 5.0) == pytest.approx(5.0)
