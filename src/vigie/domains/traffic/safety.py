"""Safety limits checked on what the signal heads actually showed.

`SafetyMonitor` watches each signal group's green/not-green over time and counts every green
shorter than its minimum (minimum green, or walk plus pedestrian clearance for the stage) and
every conflicting green that started before the intergreen after the last one had run out.
It checks the field, not Vigie's intentions: the SUMO evaluation feeds it SUMO's own signal
states, and the count must stay 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigie.domains.traffic.timing import TimingPlan

#: Clock resolution tolerated when comparing durations (simulation steps are 1 s or less).
_TOLERANCE_S = 1e-6


@dataclass(frozen=True)
class Violation:
    kind: str  # "min_green" or "intergreen"
    group: str
    at_s: float
    lasted_s: float
    limit_s: float


@dataclass(frozen=True)
class GroupLimits:
    min_green_s: dict[str, float]
    #: (group ending green, conflicting group starting green) -> minimum time between.
    intergreen_s: dict[tuple[str, str], float]

    @classmethod
    def from_plan(cls, plan: TimingPlan) -> GroupLimits:
        """A group's minimum is its stage's (the stage holds its pedestrians' clearance);
        groups of different stages conflict, with at least the intergreen after the stage
        that ends."""
        min_green = {}
        intergreen = {}
        for index, stage in enumerate(plan.stages):
            for group in stage.groups:
                min_green[group.id] = stage.min_green_s
                for other_index, other in enumerate(plan.stages):
                    if other_index == index:
                        continue
                    for other_group in other.groups:
                        intergreen[(group.id, other_group.id)] = plan.min_intergreen_s(index)
        return cls(min_green, intergreen)


@dataclass
class SafetyMonitor:
    limits: GroupLimits
    violations: list[Violation] = field(default_factory=list)
    #: Greens seen whole and judged (a run that judged none proves nothing).
    greens_judged: int = 0
    _green_since: dict[str, float] = field(default_factory=dict)
    _green_ended: dict[str, float] = field(default_factory=dict)
    #: Groups whose first green was already running when watching began (its start unseen).
    _partial: set[str] = field(default_factory=set)

    def start(self, green_groups: set[str], now_s: float) -> None:
        """Begin watching with these groups green; their current green is not judged."""
        for group in green_groups:
            self._green_since[group] = now_s
            self._partial.add(group)

    def observe(self, green_groups: set[str], now_s: float) -> None:
        """The groups green at `now_s` (call at every step, or at every change)."""
        for group in list(self._green_since):
            if group not in green_groups:
                started = self._green_since.pop(group)
                lasted = now_s - started
                limit = self.limits.min_green_s.get(group, 0.0)
                if group in self._partial:
                    self._partial.discard(group)
                else:
                    self.greens_judged += 1
                    if lasted + _TOLERANCE_S < limit:
                        self.violations.append(Violation("min_green", group, now_s, lasted, limit))
                self._green_ended[group] = now_s
        for group in green_groups:
            if group in self._green_since:
                continue
            self._green_since[group] = now_s
            for (ended, starting), limit in self.limits.intergreen_s.items():
                if starting != group:
                    continue
                if ended in self._green_since:
                    # A conflicting group still green: the intergreen has not even begun.
                    self.violations.append(Violation("intergreen", group, now_s, 0.0, limit))
                    continue
                if ended not in self._green_ended:
                    continue
                gap = now_s - self._green_ended[ended]
                if gap + _TOLERANCE_S < limit:
                    self.violations.append(Violation("intergreen", group, now_s, gap, limit))
