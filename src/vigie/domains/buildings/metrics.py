"""What a building's management system reports every 15 minutes, and what its meters count.

A meter is a part of its building (urn:ngsi-ld:Meter:…) and reports under its own id.
"""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, counter, enum, number

BUILDING_INTERVAL_S = 900.0

BUILDING_METRICS = by_key(
    number("indoor_temp_c", "°C", -20, 50, BUILDING_INTERVAL_S),
    enum("hvac_mode", ("off", "heating", "cooling", "ventilation"), BUILDING_INTERVAL_S),
    number("setpoint_c", "°C", 5, 35, BUILDING_INTERVAL_S),
    bool_metric("occupied", BUILDING_INTERVAL_S),
)

METER_METRICS = by_key(
    counter("energy_wh", "Wh", 1e13, BUILDING_INTERVAL_S, "electricity, gas or heat"),
    counter("volume_m3", "m³", 1e9, BUILDING_INTERVAL_S, "water"),
    number("power_w", "W", 0, 5e6, BUILDING_INTERVAL_S, "mean power over the interval"),
)
