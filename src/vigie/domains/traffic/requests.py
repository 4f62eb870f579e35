"""Priority and preemption requests, and how competing ones are ranked.

In the spirit of NTCIP 1211 (Signal Control and Prioritization): a vehicle approaching an
equipped intersection *checks in* with a request carrying its expected arrival, updates it
while it approaches, and *checks out* once it has crossed the stop line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Rank(IntEnum):
    """Higher rank wins whatever the other criteria: an emergency vehicle's preemption
    before any bus."""

    BUS = 1
    EMERGENCY = 2


@dataclass(frozen=True)
class PriorityRequest:
    """A vehicle's request at one intersection.

    `lateness_s` is the vehicle's delay against its timetable (negative when early);
    `headway_gap_s` the time since the previous vehicle of its line passed (a fuller gap
    means more passengers waiting downstream). Both are 0 for emergency vehicles.
    """

    request_id: str
    vehicle_id: str
    intersection_id: str
    #: The signal group (approach) the vehicle will cross on.
    signal_group: str
    #: Expected arrival at the stop line, on the corridor's common clock.
    eta_s: float
    rank: Rank = Rank.BUS
    lateness_s: float = 0.0
    headway_gap_s: float = 0.0
    checked_in_s: float = 0.0


def precedence(request: PriorityRequest) -> tuple[float, ...]:
    """Sort key, first served first: higher rank, then the later bus, then the fuller
    headway gap, then the sooner arrival; the request id keeps the order total."""
    return (-int(request.rank), -request.lateness_s, -request.headway_gap_s, request.eta_s)


def arbitrate(requests: list[PriorityRequest]) -> list[PriorityRequest]:
    """Competing requests at one intersection, in the order they are served."""
    return sorted(requests, key=lambda r: (*precedence(r), r.request_id))
