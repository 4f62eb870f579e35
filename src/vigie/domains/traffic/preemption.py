"""Emergency-vehicle preemption along a route: a green wave ahead of the vehicle.

Each equipped intersection on the route gets a request of rank EMERGENCY with the vehicle's
expected arrival there; arbitration puts it before any bus. The controllers still never cut a
minimum green or an intergreen: the wave is opened by ending conflicting greens as early as
their minimum allows and by holding the route's greens until the vehicle has passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.domains.traffic.requests import PriorityRequest, Rank


@dataclass(frozen=True)
class RouteCrossing:
    """An intersection on the route, how far along it lies, and the group the route uses."""

    intersection_id: str
    signal_group: str
    distance_m: float


def green_wave(
    vehicle_id: str,
    route: list[RouteCrossing],
    travelled_m: float,
    speed_m_s: float,
    now_s: float,
    horizon_s: float = 60.0,
) -> list[PriorityRequest]:
    """Requests for the crossings still ahead of the vehicle that it reaches within
    `horizon_s` (farther ones are asked for as it gets closer)."""
    if speed_m_s <= 0:
        raise ValueError("an emergency vehicle's speed must be positive")
    requests = []
    for crossing in route:
        ahead_m = crossing.distance_m - travelled_m
        if ahead_m < 0:
            continue
        eta_s = now_s + ahead_m / speed_m_s
        if eta_s - now_s > horizon_s:
            break
        requests.append(
            PriorityRequest(
                request_id=f"{vehicle_id}@{crossing.intersection_id}",
                vehicle_id=vehicle_id,
                intersection_id=crossing.intersection_id,
                signal_group=crossing.signal_group,
                eta_s=eta_s,
                rank=Rank.EMERGENCY,
                checked_in_s=now_s,
            )
        )
    return requests
