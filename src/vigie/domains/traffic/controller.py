"""How a coordinated controller runs a plan and takes priority requests, within its limits.

This is the model of the controller's own behaviour (what NTCIP 1211 calls the coordinator
serving requests from a priority request server): it steps through the plan's greens and
intergreens on the corridor's common clock, and it accepts exactly two kinds of change to a
running green, each bounded by the plan's limits:

- **green extension**: hold the current green longer, up to its maximum green and a budget
  of seconds past its planned end;
- **early end** (early green for a later stage): end the current green sooner, never before
  its minimum green (which includes pedestrian walk and clearance).

Intergreens are never touched. After a change the controller recovers the coordination by
itself: each green ends at its coordinated end in the cycle, clamped between its minimum and
maximum green, except that the coordinated stage (the green wave's) keeps at least its
split, so the plan is back in step within a cycle or two.

Vigie's priority logic (`priority.py`) only calls `request_extension`, `request_early_end`
and `release`; the controller decides what it can grant. The SUMO adapter runs this same
class as the simulated field controller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vigie.domains.traffic.timing import TimingPlan


@dataclass(frozen=True)
class SignalState:
    """Where the controller stands: which stage, green or in its intergreen, until when."""

    stage: int
    green: bool
    #: When the current interval (green or intergreen) started and will end.
    started_s: float
    ends_s: float


class StageController:
    """A controller running `plan` from `now_s`, in step with its offset.

    Times are seconds on the corridor's common clock (simulation seconds, or UNIX time in
    production). Call `advance(now_s)` as time passes; it returns the intervals entered.
    """

    def __init__(
        self,
        plan: TimingPlan,
        now_s: float,
        extension_budget_s: float = 20.0,
        preemption_hold_s: float = 90.0,
    ) -> None:
        self.plan = plan
        self.extension_budget_s = extension_budget_s
        self.preemption_hold_s = preemption_hold_s
        cycle = plan.cycle_s
        position = (now_s - plan.offset_s) % cycle
        stage = 0
        for index in range(len(plan.stages)):
            if plan.stage_start_in_cycle_s(index) <= position:
                stage = index
        start = now_s - (position - plan.stage_start_in_cycle_s(stage))
        green_end = start + plan.stages[stage].green_s
        self._stage = stage
        self._green = now_s < green_end
        if self._green:
            self._started_s = start
            self._ends_s = green_end
        else:
            self._started_s = green_end
            self._ends_s = green_end + plan.min_intergreen_s(stage)
        self._green_started_s = start
        self._planned_end_s = green_end
        #: Stage that an early end is heading for: greens before it run at their minimum.
        self._hurry_to: int | None = None

    # -- state ------------------------------------------------------------------------

    @property
    def state(self) -> SignalState:
        return SignalState(self._stage, self._green, self._started_s, self._ends_s)

    @property
    def planned_green_end_s(self) -> float:
        """The current (or last) green's end before any priority moved it."""
        return self._planned_end_s

    def green_elapsed_s(self, now_s: float) -> float:
        return now_s - self._green_started_s if self._green else 0.0

    # -- time -------------------------------------------------------------------------

    def advance(self, now_s: float) -> list[SignalState]:
        """Move to `now_s`; the intervals entered on the way, in order."""
        entered = []
        while now_s >= self._ends_s:
            if self._green:
                self._green = False
                self._started_s = self._ends_s
                self._ends_s = self._started_s + self.plan.min_intergreen_s(self._stage)
            else:
                self._stage = (self._stage + 1) % len(self.plan.stages)
                self._start_green(self._ends_s)
            entered.append(self.state)
        return entered

    def _coordinated_end_s(self, stage: int, start_s: float) -> float:
        """The stage's coordinated green end that follows a green started at `start_s`,
        clamped between its minimum and maximum green."""
        spec = self.plan.stages[stage]
        cycle = self.plan.cycle_s
        in_cycle = self.plan.offset_s + self.plan.stage_start_in_cycle_s(stage) + spec.green_s
        earliest = start_s + spec.min_green_s
        end = in_cycle + math.ceil((earliest - in_cycle) / cycle) * cycle
        if stage == self.plan.coordinated_stage:
            # The platoons of the green wave still find their whole green; the lag is
            # taken back on the other stages.
            end = max(end, start_s + spec.green_s)
        return min(end, start_s + spec.longest_green_s)

    def _start_green(self, start_s: float) -> None:
        self._green = True
        self._started_s = self._green_started_s = start_s
        spec = self.plan.stages[self._stage]
        if self._hurry_to is not None and self._stage != self._hurry_to:
            end = start_s + spec.min_green_s
        else:
            self._hurry_to = None
            end = self._coordinated_end_s(self._stage, start_s)
        self._ends_s = self._planned_end_s = end

    # -- requests ---------------------------------------------------------------------

    def request_extension(self, until_s: float, preemption: bool = False) -> bool:
        """Hold the current green until `until_s`. Granted whole or not at all: a green that
        cannot reach the vehicle's arrival is not stretched for nothing. A preemption may
        hold the green up to `preemption_hold_s` from its start, past the priority budget
        (holding a green longer never cuts a safety limit; the other stages wait)."""
        if not self._green:
            return False
        if until_s <= self._ends_s:
            return True
        spec = self.plan.stages[self._stage]
        limit = min(
            self._green_started_s + spec.longest_green_s + self.extension_budget_s,
            self._planned_end_s + self.extension_budget_s,
        )
        if preemption:
            limit = max(limit, self._green_started_s + self.preemption_hold_s)
        if until_s > limit:
            return False
        self._ends_s = until_s
        return True

    def request_early_end(self, now_s: float, target_stage: int, end_at_s: float) -> float | None:
        """End the current green at `end_at_s` (or as soon after as its minimum green allows)
        so that `target_stage` comes sooner; stages in between then run at their minimum.
        Returns the granted end, or None when it would not come sooner."""
        if not self._green or self._stage == target_stage:
            return None
        spec = self.plan.stages[self._stage]
        earliest = self._green_started_s + spec.min_green_s
        end = max(end_at_s, earliest, now_s)
        if end >= self._ends_s:
            return None
        self._ends_s = end
        self._hurry_to = target_stage
        self.advance(now_s)  # an end due now takes effect now, not at the next step
        return end

    def release(self, now_s: float) -> None:
        """The vehicle served has gone: an extension still running ends at the planned end
        (or now, if that has passed, but never before the minimum green)."""
        if not self._green or self._ends_s <= self._planned_end_s:
            return
        earliest = self._green_started_s + self.plan.stages[self._stage].min_green_s
        self._ends_s = max(self._planned_end_s, now_s, earliest)
        self.advance(now_s)

    def next_green_start_s(self, stage: int, now_s: float) -> float:
        """When `stage` next turns green if nothing changes (now, if it is green)."""
        if self._green and self._stage == stage:
            return now_s
        t = self._ends_s
        index = self._stage
        green = self._green
        stages = self.plan.stages
        for _ in range(2 * len(stages) + 1):
            if green:
                t += self.plan.min_intergreen_s(index)
                green = False
            else:
                index = (index + 1) % len(stages)
                if index == stage:
                    return t
                t = self._coordinated_end_s(index, t)
                green = True
        return t
