"""A vehicle's expected arrival at a stop line, from its distance and speed."""

from __future__ import annotations

#: Speed a bus reaches between stops on an urban arterial (45 km/h) ...
BUS_CRUISE_M_S = 12.5
#: ... with a bus's usual acceleration.
BUS_ACCEL_M_S2 = 1.0


def seconds_to_stop_line(
    distance_m: float,
    speed_m_s: float,
    cruise_m_s: float = BUS_CRUISE_M_S,
    accel_m_s2: float = BUS_ACCEL_M_S2,
) -> float:
    """Time to cover `distance_m`: accelerating from `speed_m_s` up to the cruising speed,
    then at it (a vehicle already faster keeps its speed). Queues are not known here."""
    if distance_m <= 0:
        return 0.0
    speed = max(speed_m_s, 0.0)
    if speed >= cruise_m_s:
        return distance_m / speed
    accel_s = (cruise_m_s - speed) / accel_m_s2
    accel_m = (speed + cruise_m_s) / 2 * accel_s
    if accel_m >= distance_m:
        # Reaches the line still accelerating: solve d = v t + a t^2 / 2.
        return float((-speed + (speed**2 + 2 * accel_m_s2 * distance_m) ** 0.5) / accel_m_s2)
    return accel_s + (distance_m - accel_m) / cruise_m_s
