"""Transit signal priority: which request to serve at an intersection, and how.

Strategies, each switchable:

- **green extension**: the vehicle's stage is green but would end before it arrives; ask the
  controller to hold it until the arrival (plus a margin), within the extension budget;
- **early green**: another stage is green; ask the controller to end it sooner, timed so that
  the vehicle's stage turns green just before the arrival, never before the running stage's
  minimum green;
- **conditional priority**: buses ask only when they are late by at least
  `lateness_threshold_s` (None: always). Preemption (rank EMERGENCY) is never conditional.

Arbitration (`requests.arbitrate`) picks one request per intersection at a time: the higher
rank, then the later bus, then the fuller headway gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.requests import PriorityRequest, Rank, arbitrate


class Strategy(StrEnum):
    NONE = "none"
    GREEN_EXTENSION = "green_extension"
    EARLY_GREEN = "early_green"


@dataclass(frozen=True)
class PriorityConfig:
    green_extension: bool = True
    early_green: bool = True
    #: Buses later than this ask for priority; None asks for every bus.
    lateness_threshold_s: float | None = 0.0
    #: Seconds past the planned green end an extension may reach (a controller setting).
    max_extension_s: float = 15.0
    #: Green kept after the expected arrival, for the error of the estimate.
    arrival_margin_s: float = 3.0
    #: An early green starts this long before the expected arrival ...
    early_lead_s: float = 2.0
    #: ... and this long before an emergency vehicle's, so the queue ahead of it clears.
    emergency_lead_s: float = 12.0
    #: After serving a bus, other buses wait this long at that intersection (0: never),
    #: which protects the cross street when buses bunch.
    reservice_inhibit_s: float = 0.0


@dataclass(frozen=True)
class Decision:
    """What was asked of the controller for one request, and why."""

    request: PriorityRequest | None
    strategy: Strategy
    reason: str
    #: The green end the controller granted (extension or early end), if any.
    granted_end_s: float | None = None


def eligible(request: PriorityRequest, config: PriorityConfig) -> bool:
    if request.rank >= Rank.EMERGENCY:
        return True
    threshold = config.lateness_threshold_s
    return threshold is None or request.lateness_s >= threshold


def decide(
    controller: StageController,
    stage_for_group: dict[str, int],
    requests: list[PriorityRequest],
    config: PriorityConfig,
    now_s: float,
    inhibited_until_s: float = float("-inf"),
) -> Decision:
    """Serve the first eligible request in arbitration order. Pure, apart from the requests
    it makes of `controller` (which refuses anything beyond its limits)."""
    candidates = [r for r in arbitrate(requests) if eligible(r, config)]
    if not candidates:
        reason = "no request" if not requests else "no bus late enough"
        return Decision(None, Strategy.NONE, reason)
    request = candidates[0]
    if request.rank < Rank.EMERGENCY and now_s < inhibited_until_s:
        return Decision(request, Strategy.NONE, "re-service inhibited")
    stage = stage_for_group.get(request.signal_group)
    if stage is None:
        return Decision(request, Strategy.NONE, f"no stage serves {request.signal_group}")
    state = controller.state
    arrival_s = max(request.eta_s, now_s)
    if state.green and state.stage == stage:
        needed_s = arrival_s + config.arrival_margin_s
        if state.ends_s >= needed_s:
            return Decision(request, Strategy.NONE, "green until arrival")
        if not (config.green_extension or request.rank >= Rank.EMERGENCY):
            return Decision(request, Strategy.NONE, "green extension off")
        if controller.request_extension(needed_s, preemption=request.rank >= Rank.EMERGENCY):
            return Decision(request, Strategy.GREEN_EXTENSION, "extended", needed_s)
        return Decision(request, Strategy.NONE, "arrival beyond the extension limit")
    # Another stage is green, or an intergreen runs (which nothing shortens).
    lead_s = config.emergency_lead_s if request.rank >= Rank.EMERGENCY else config.early_lead_s
    if controller.next_green_start_s(stage, now_s) <= arrival_s - lead_s:
        return Decision(request, Strategy.NONE, "green by arrival")
    if not (config.early_green or request.rank >= Rank.EMERGENCY):
        return Decision(request, Strategy.NONE, "early green off")
    if not state.green:
        return Decision(request, Strategy.NONE, "intergreen running")
    # End the running green so that the vehicle's stage starts `early_lead_s` before it
    # arrives: the intergreens in between are counted whole.
    lost_s = _intergreens_before(controller, state.stage, stage)
    end_at_s = arrival_s - lead_s - lost_s
    granted = controller.request_early_end(now_s, stage, end_at_s)
    if granted is None:
        return Decision(request, Strategy.NONE, "minimum green holds")
    return Decision(request, Strategy.EARLY_GREEN, "ended early", granted)


def _intergreens_before(controller: StageController, running: int, target: int) -> float:
    """Intergreens (and minimum greens of the stages in between) from the end of the running
    green to the start of `target`."""
    plan = controller.plan
    total = plan.min_intergreen_s(running)
    index = (running + 1) % len(plan.stages)
    while index != target:
        total += plan.stages[index].min_green_s + plan.min_intergreen_s(index)
        index = (index + 1) % len(plan.stages)
    return total
