"""The signal control model: signal groups, stages and timing plans of one intersection.

A *stage* is a set of signal groups that are green together; a *plan* runs its stages in
order, each for its green split followed by an intergreen (amber + all-red) that clears the
junction before the next stage's groups may go green. The plan's cycle is the sum of the
greens and intergreens, and its offset places the start of stage 0's green on the corridor's
common clock (a green wave).

The safety limits live here, on the data: a stage may never be green for less than its
minimum (the longest of its groups' minimum greens, and for a pedestrian group its walk time
plus its clearance), and an intergreen is never cut. Vigie only selects plans and sends
priority requests; these limits bound every request it makes (`vigie.domains.traffic.safety`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ControlMode(StrEnum):
    """How a controller runs (the `mode` metric of TrafficSignalController)."""

    FIXED_TIME = "fixed_time"
    ACTUATED = "actuated"
    FLASHING = "flashing"
    OFF = "off"


class Movement(StrEnum):
    VEHICLE = "vehicle"
    PEDESTRIAN = "pedestrian"
    BUS = "bus"
    CYCLIST = "cyclist"


class TimingError(ValueError):
    """A plan that breaks its own limits: it is refused before it can run."""


@dataclass(frozen=True)
class SignalGroup:
    """One movement on one approach (a registry part of kind signal_group)."""

    id: str
    movement: Movement
    min_green_s: float
    #: Time a pedestrian needs to finish crossing once the walk signal ends.
    pedestrian_clearance_s: float = 0.0

    @property
    def min_stage_green_s(self) -> float:
        """Shortest green of a stage holding this group: a pedestrian group's walk time and
        its clearance both fall within the stage, so neither can be cut."""
        return self.min_green_s + self.pedestrian_clearance_s


@dataclass(frozen=True)
class Stage:
    """Signal groups green together, with the plan's green split for them."""

    name: str
    groups: tuple[SignalGroup, ...]
    green_s: float
    #: Amber + all-red after this stage, before the next stage's groups go green.
    intergreen_s: float
    #: How long a priority or a recovery may stretch this green (a controller parameter).
    max_green_s: float | None = None

    @property
    def min_green_s(self) -> float:
        return max((g.min_stage_green_s for g in self.groups), default=0.0)

    @property
    def longest_green_s(self) -> float:
        return self.max_green_s if self.max_green_s is not None else self.green_s

    def serves(self, group_id: str) -> bool:
        return any(g.id == group_id for g in self.groups)


@dataclass(frozen=True)
class TimingPlan:
    """A fixed-time plan: stages in order, with the offset of stage 0's start in the cycle."""

    number: int
    stages: tuple[Stage, ...]
    offset_s: float = 0.0
    #: The stage that carries the green wave: recovery after priority never shortens it
    #: below its split (the other stages absorb the lag, down to their minimum).
    coordinated_stage: int | None = 0
    #: Minimum intergreens by (from stage, to stage) index when they differ from the
    #: stage's own `intergreen_s` (conflict matrices give one per pair of groups).
    min_intergreens_s: dict[tuple[int, int], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = validate_plan(self)
        if problems:
            raise TimingError("; ".join(problems))

    @property
    def cycle_s(self) -> float:
        return sum(s.green_s + s.intergreen_s for s in self.stages)

    def stage_start_in_cycle_s(self, index: int) -> float:
        """Where stage `index`'s green starts, counted from stage 0's green start."""
        return sum(s.green_s + s.intergreen_s for s in self.stages[:index])

    def stage_serving(self, group_id: str) -> int | None:
        for index, stage in enumerate(self.stages):
            if stage.serves(group_id):
                return index
        return None

    def min_intergreen_s(self, from_index: int) -> float:
        """The intergreen after stage `from_index`, which nothing may shorten."""
        to_index = (from_index + 1) % len(self.stages)
        stage = self.stages[from_index]
        return max(stage.intergreen_s, self.min_intergreens_s.get((from_index, to_index), 0.0))


def validate_plan(plan: TimingPlan) -> list[str]:
    """Every way the plan breaks a safety limit (empty when it is sound)."""
    problems = []
    if not 1 <= plan.number <= 255:
        problems.append(f"plan number {plan.number} is not within 1-255")
    if len(plan.stages) < 2:
        problems.append("a plan needs at least two stages")
    for index, stage in enumerate(plan.stages):
        if stage.green_s < stage.min_green_s:
            problems.append(
                f"stage {stage.name}: green {stage.green_s:g} s is shorter than its minimum "
                f"{stage.min_green_s:g} s (minimum greens and pedestrian clearances)"
            )
        if stage.max_green_s is not None and stage.max_green_s < stage.green_s:
            problems.append(f"stage {stage.name}: maximum green below its split")
        next_index = (index + 1) % max(len(plan.stages), 1)
        if stage.intergreen_s < plan.min_intergreens_s.get((index, next_index), 0.0):
            problems.append(f"stage {stage.name}: intergreen shorter than the conflict matrix")
        if stage.intergreen_s < 0:
            problems.append(f"stage {stage.name}: negative intergreen")
    cycle = sum(s.green_s + s.intergreen_s for s in plan.stages)
    if not 0 < cycle <= 300:
        problems.append(f"cycle {cycle:g} s is not within 0-300 s")
    return problems


@dataclass(frozen=True)
class Intersection:
    """A signal controller with its plans, as Vigie manages it."""

    id: str
    name: str
    mode: ControlMode
    plans: dict[int, TimingPlan]
    bus_priority: bool = True

    def plan(self, number: int) -> TimingPlan:
        try:
            return self.plans[number]
        except KeyError:
            raise TimingError(f"{self.id} has no plan {number}") from None
