"""What a municipal vehicle's tracker reports: a position every 15 seconds while it moves."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, counter, number

VEHICLE_INTERVAL_S = 15.0

FLEET_VEHICLE_METRICS = by_key(
    number("lon", "°", -180, 180, VEHICLE_INTERVAL_S, "GPS longitude (WGS84)"),
    number("lat", "°", -90, 90, VEHICLE_INTERVAL_S, "GPS latitude (WGS84)"),
    number("speed_kmh", "km/h", 0, 150, VEHICLE_INTERVAL_S),
    number("heading_deg", "°", 0, 360, VEHICLE_INTERVAL_S),
    counter("odometer_km", "km", 5_000_000, VEHICLE_INTERVAL_S),
    bool_metric("door_open", VEHICLE_INTERVAL_S),
    bool_metric("ignition_on", VEHICLE_INTERVAL_S),
)
