"""What intersection controllers report: every minute, and at once on a mode change."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, enum, number

CONTROLLER_INTERVAL_S = 60.0
CONTROL_MODES = ("fixed_time", "actuated", "flashing", "off")

CONTROLLER_METRICS = by_key(
    enum("mode", CONTROL_MODES, CONTROLLER_INTERVAL_S, "operating mode"),
    number("plan", None, 0, 255, CONTROLLER_INTERVAL_S, "timing plan running"),
    number("cycle_s", "s", 0, 300, CONTROLLER_INTERVAL_S, "current cycle length"),
    number("cycle_phase", None, 0, 64, CONTROLLER_INTERVAL_S, "stage of the cycle"),
    number(
        "vehicles_per_h", "veh/h", 0, 20_000, CONTROLLER_INTERVAL_S, "detector counts, as a flow"
    ),
    bool_metric("detector_fault", CONTROLLER_INTERVAL_S),
    bool_metric("signal_lamp_fault", CONTROLLER_INTERVAL_S),
)
