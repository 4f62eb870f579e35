"""From a bus's position report to its priority request: where along its line the bus is,
which equipped intersection it approaches, and when it checks in and out there.

A line is a path in a local metric frame with the equipped intersections placed along it.
A report is projected onto the path; the direction of travel comes from the last report (a
bus on the way back approaches the same junctions in the reverse order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigie.domains.traffic.arrival import seconds_to_stop_line
from vigie.domains.traffic.priority import Decision
from vigie.domains.traffic.requests import PriorityRequest
from vigie.domains.traffic.server import PriorityServer
from vigie.domains.transit.line_path import LinePath

#: A bus asks for priority this far ahead of the stop line (the range of bus transponders
#: and of GPS-based check-in in the field is a few hundred metres).
CHECK_IN_M = 250.0


@dataclass
class _Approach:
    s_m: float
    outbound: bool = True
    checked_in: str | None = None


@dataclass
class ApproachTracker:
    """Turns buses' position reports into check-ins and check-outs at `server`."""

    server: PriorityServer
    lines: dict[str, LinePath]
    check_in_m: float = CHECK_IN_M
    _buses: dict[str, _Approach] = field(default_factory=dict)

    def on_position(
        self,
        bus_id: str,
        line: str,
        x_m: float,
        y_m: float,
        speed_m_s: float,
        now_s: float,
        lateness_s: float = 0.0,
        headway_gap_s: float = 0.0,
    ) -> Decision | None:
        """One report; the decision taken at the intersection it approaches, if any."""
        path = self.lines[line]
        s_m = path.locate(x_m, y_m)
        approach = self._buses.get(bus_id)
        if approach is None:
            approach = self._buses[bus_id] = _Approach(s_m)
        elif abs(s_m - approach.s_m) > 1.0:
            approach.outbound = s_m > approach.s_m
        approach.s_m = s_m
        crossing = path.crossing_ahead(s_m, approach.outbound)
        ahead_m = abs(crossing.distance_m - s_m) if crossing is not None else float("inf")
        target = crossing.intersection_id if crossing and ahead_m <= self.check_in_m else None
        if approach.checked_in is not None and approach.checked_in != target:
            self.server.check_out(approach.checked_in, bus_id, now_s)
            approach.checked_in = None
        if crossing is None or target is None:
            return None
        approach.checked_in = target
        request = PriorityRequest(
            request_id=bus_id,
            vehicle_id=bus_id,
            intersection_id=target,
            signal_group=crossing.group_out if approach.outbound else crossing.group_back,
            eta_s=now_s + seconds_to_stop_line(ahead_m, speed_m_s),
            lateness_s=lateness_s,
            headway_gap_s=headway_gap_s,
            checked_in_s=now_s,
        )
        return self.server.check_in(request, now_s)
