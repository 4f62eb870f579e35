"""The priority request server: requests checked in and out per intersection, one decision
per intersection each time something changes there.

It holds no clock of its own: every call takes `now_s`, so the SUMO adapter drives it with
simulation seconds and production with UNIX time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.priority import Decision, PriorityConfig, Strategy, decide
from vigie.domains.traffic.requests import PriorityRequest, Rank


@dataclass
class _Site:
    controller: StageController
    stage_for_group: dict[str, int]
    requests: dict[str, PriorityRequest] = field(default_factory=dict)
    #: Request ids already granted something here (an inhibit starts when they leave).
    served: set[str] = field(default_factory=set)
    inhibited_until_s: float = float("-inf")


class PriorityServer:
    """Requests of every equipped intersection, and the decisions taken on them."""

    def __init__(self, config: PriorityConfig) -> None:
        self.config = config
        self._sites: dict[str, _Site] = {}
        self.granted: Counter[Strategy] = Counter()
        self.decisions = 0

    def add_intersection(self, intersection_id: str, controller: StageController) -> None:
        groups = {
            group.id: index
            for index, stage in enumerate(controller.plan.stages)
            for group in stage.groups
        }
        self._sites[intersection_id] = _Site(controller, groups)

    def controller(self, intersection_id: str) -> StageController:
        return self._sites[intersection_id].controller

    def intersections(self) -> list[str]:
        return list(self._sites)

    def requests_at(self, intersection_id: str) -> list[PriorityRequest]:
        return list(self._sites[intersection_id].requests.values())

    def check_in(self, request: PriorityRequest, now_s: float) -> Decision:
        """A new request, or an update of the same request id (a fresher arrival estimate);
        returns the decision taken at its intersection."""
        site = self._sites[request.intersection_id]
        site.requests[request.request_id] = request
        return self._decide(request.intersection_id, site, now_s)

    def check_out(self, intersection_id: str, request_id: str, now_s: float) -> None:
        """The vehicle has crossed: an extension held for it ends (within the limits), and
        the next request there is considered."""
        site = self._sites[intersection_id]
        request = site.requests.pop(request_id, None)
        if request is None:
            return
        if request_id in site.served:
            site.served.discard(request_id)
            if request.rank < Rank.EMERGENCY:
                site.inhibited_until_s = now_s + self.config.reservice_inhibit_s
        if not any(r.rank >= Rank.EMERGENCY for r in site.requests.values()):
            site.controller.release(now_s)
        if site.requests:
            self._decide(intersection_id, site, now_s)

    def advance(self, now_s: float) -> None:
        """Move every controller to `now_s`, then re-decide where a green has just started
        (a request waiting through an intergreen may be served now)."""
        for intersection_id, site in self._sites.items():
            entered = site.controller.advance(now_s)
            if site.requests and any(s.green for s in entered):
                self._decide(intersection_id, site, now_s)

    def _decide(self, intersection_id: str, site: _Site, now_s: float) -> Decision:
        decision = decide(
            site.controller,
            site.stage_for_group,
            list(site.requests.values()),
            self.config,
            now_s,
            site.inhibited_until_s,
        )
        self.decisions += 1
        if decision.strategy is not Strategy.NONE and decision.request is not None:
            self.granted[decision.strategy] += 1
            site.served.add(decision.request.request_id)
        return decision
