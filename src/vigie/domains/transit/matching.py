"""Which trip a bus is running, and its delay: a position along its line matched against the
line's timetable.

A bus reports where it is, not which trip it runs. Among the trips of its line in its
direction that are under way at that time, the one whose scheduled position is nearest
the bus's is taken; the delay is now minus the time that trip was scheduled to be there.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

#: A trip counts as under way this long before its first departure and after its last
#: arrival (a bus waiting at the terminus, or finishing late).
SLACK_S = 1800.0


@dataclass(frozen=True)
class ScheduledTrip:
    trip_id: str
    direction_id: int
    #: Distance along the line's path of each stop (decreasing when inbound) ...
    stop_distances_m: tuple[float, ...]
    #: ... and its scheduled departure, seconds since the service day's start.
    departures_s: tuple[float, ...]
    stop_ids: tuple[str, ...]
    #: Scheduled arrivals (the departures when they are the same).
    arrivals_s: tuple[float, ...] = ()

    def arrival_s(self, index: int) -> float:
        return self.arrivals_s[index] if self.arrivals_s else self.departures_s[index]

    def scheduled_at_s(self, s_m: float) -> float:
        """When the trip is scheduled to pass `s_m` (linear between stops)."""
        sign = 1.0 if self.stop_distances_m[-1] >= self.stop_distances_m[0] else -1.0
        keys = [sign * d for d in self.stop_distances_m]
        key = sign * s_m
        if key <= keys[0]:
            return self.departures_s[0]
        if key >= keys[-1]:
            return self.departures_s[-1]
        k = bisect.bisect_right(keys, key) - 1
        span = keys[k + 1] - keys[k]
        fraction = (key - keys[k]) / span if span > 0 else 0.0
        return self.departures_s[k] + fraction * (self.departures_s[k + 1] - self.departures_s[k])

    def next_stop(self, s_m: float) -> int:
        """Index of the next stop ahead of `s_m` (the last stop at the end)."""
        sign = 1.0 if self.stop_distances_m[-1] >= self.stop_distances_m[0] else -1.0
        for index, distance in enumerate(self.stop_distances_m):
            if sign * distance > sign * s_m + 1.0:
                return index
        return len(self.stop_distances_m) - 1


@dataclass(frozen=True)
class TripMatch:
    trip: ScheduledTrip
    delay_s: float
    next_stop: int


def match_trip(
    trips: list[ScheduledTrip], direction_id: int, s_m: float, now_s: float
) -> TripMatch | None:
    """The trip of `trips` (one line's) the bus most likely runs, or None if none is under
    way in that direction."""
    best: TripMatch | None = None
    for trip in trips:
        if trip.direction_id != direction_id:
            continue
        if not trip.departures_s[0] - SLACK_S <= now_s <= trip.departures_s[-1] + SLACK_S:
            continue
        delay = now_s - trip.scheduled_at_s(s_m)
        if best is None or abs(delay) < abs(best.delay_s):
            best = TripMatch(trip, delay, trip.next_stop(s_m))
    return best
