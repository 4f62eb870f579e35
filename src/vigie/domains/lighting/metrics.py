"""What luminaire nodes and lighting cabinets report.

Luminaire controllers report their state and energy counter every 15 minutes and at once on
any change (switching, dimming, a fault), as central management systems of this kind do;
cabinets report every 5 minutes.
"""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, counter, number

LUMINAIRE_INTERVAL_S = 900.0
CABINET_INTERVAL_S = 300.0

STREETLIGHT_METRICS = by_key(
    bool_metric("on", LUMINAIRE_INTERVAL_S, "lamp switched on"),
    number("dim_pct", "%", 0, 100, LUMINAIRE_INTERVAL_S, "light level commanded, % of full"),
    number("power_w", "W", 0, 2_000, LUMINAIRE_INTERVAL_S, "active power drawn"),
    counter("energy_wh", "Wh", 1e10, LUMINAIRE_INTERVAL_S, "energy meter of the node"),
    bool_metric("lamp_fault", LUMINAIRE_INTERVAL_S, "LED module failed"),
    bool_metric("driver_fault", LUMINAIRE_INTERVAL_S, "LED driver failed"),
    counter("operating_hours_h", "h", 500_000, LUMINAIRE_INTERVAL_S, "burning hours"),
)

CABINET_METRICS = by_key(
    number("supply_v", "V", 0, 500, CABINET_INTERVAL_S, "mains voltage (phase to neutral)"),
    number("current_l1_a", "A", 0, 630, CABINET_INTERVAL_S, "phase 1 current"),
    number("current_l2_a", "A", 0, 630, CABINET_INTERVAL_S, "phase 2 current"),
    number("current_l3_a", "A", 0, 630, CABINET_INTERVAL_S, "phase 3 current"),
    counter("energy_wh", "Wh", 1e12, CABINET_INTERVAL_S, "cabinet energy meter"),
    bool_metric("door_open", CABINET_INTERVAL_S),
    bool_metric("breaker_tripped", CABINET_INTERVAL_S),
)
