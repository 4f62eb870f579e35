"""From a bus's position report to its priority request: where along its line the bus is,
which equipped intersection it approaches, and when it checks in and out there.

A line is a path in a local metric frame with the equipped intersections placed along it.
A report is projected onto the path; the direction of travel comes from the last report (a
bus on the way back approaches the same junctions in the reverse order).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigie.domains.traffic.arrival import seconds_to_stop_line
from vigie.domains.traffic.priority import Decision
from vigie.domains.traffic.requests import PriorityRequest
from vigie.domains.traffic.server import PriorityServer

#: A bus asks for priority this far ahead of the stop line (the range of bus transponders
#: and of GPS-based check-in in the field is a few hundred metres).
CHECK_IN_M = 250.0


@dataclass(frozen=True)
class EquippedCrossing:
    intersection_id: str
    #: Signal groups serving the bus on the way out (increasing distance) and back.
    group_out: str
    group_back: str
    distance_m: float


class LinePath:
    """A line's path (metres) with its equipped crossings in order along it."""

    def __init__(self, xy: npt.NDArray[np.float64], crossings: list[EquippedCrossing]) -> None:
        if len(xy) < 2:
            raise ValueError("a path needs at least two points")
        self.start = xy[:-1]
        self.segment = np.diff(xy, axis=0)
        lengths = np.hypot(*self.segment.T)
        self.length2 = np.maximum(lengths**2, 1e-12)
        self.cumulative = np.concatenate(([0.0], np.cumsum(lengths)))
        self.crossings = sorted(crossings, key=lambda c: c.distance_m)
        self._distances = [c.distance_m for c in self.crossings]

    def locate(self, x: float, y: float) -> float:
        """Distance along the path of the point nearest (x, y)."""
        return self.nearest(x, y)[0]

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """(distance along the path, distance off it) of the path's point nearest (x, y)."""
        rel = np.array((x, y)) - self.start
        t = np.clip((rel * self.segment).sum(axis=1) / self.length2, 0.0, 1.0)
        nearest = self.start + self.segment * t[:, None]
        off2 = ((nearest - (x, y)) ** 2).sum(axis=1)
        k = int(np.argmin(off2))
        along = float(self.cumulative[k] + t[k] * (self.cumulative[k + 1] - self.cumulative[k]))
        return along, float(np.sqrt(off2[k]))

    def bearing_at(self, s_m: float) -> float:
        """Compass bearing (0° north, 90° east) of the path at `s_m` along it."""
        k = int(np.searchsorted(self.cumulative, s_m, side="right")) - 1
        k = min(max(k, 0), len(self.segment) - 1)
        dx, dy = self.segment[k]
        return float(np.degrees(np.arctan2(dx, dy)) % 360.0)

    def crossing_ahead(self, s_m: float, outbound: bool) -> EquippedCrossing | None:
        if outbound:
            index = bisect.bisect_right(self._distances, s_m)
            return self.crossings[index] if index < len(self.crossings) else None
        index = bisect.bisect_left(self._distances, s_m) - 1
        return self.crossings[index] if index >= 0 else None


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
