"""How busy the streets are through the day: a relative traffic flow (1.0 = a weekday's
peak), with the two commuting peaks on weekdays and a broad afternoon hump at weekends.
Shared by the signal controllers' counts and the buses' and vehicles' speeds."""

from __future__ import annotations

import math

from vigie.lab.devices.calendar import is_weekday, local_hour


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def traffic_share(t_s: float) -> float:
    """Flow relative to the weekday peak, 0.05-1.0."""
    hour = local_hour(t_s)
    if is_weekday(t_s):
        flow = (
            0.06
            + 0.94 * _bump(hour, 8.0, 1.3)
            + 0.55 * _bump(hour, 12.8, 2.6)
            + 0.94 * _bump(hour, 17.6, 1.7)
        )
    else:
        flow = 0.06 + 0.62 * _bump(hour, 15.0, 4.0)
    return min(1.0, flow)


def congestion(t_s: float) -> float:
    """Speed factor of road vehicles: 1.0 on empty streets, about 0.65 at the peaks."""
    return 1.0 - 0.35 * traffic_share(t_s)
