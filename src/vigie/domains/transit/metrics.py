"""What a bus's on-board unit reports: a position every 10 seconds."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, counter, number, text

BUS_INTERVAL_S = 10.0

BUS_METRICS = by_key(
    number("lon", "°", -180, 180, BUS_INTERVAL_S, "GPS longitude (WGS84)"),
    number("lat", "°", -90, 90, BUS_INTERVAL_S, "GPS latitude (WGS84)"),
    number("speed_kmh", "km/h", 0, 150, BUS_INTERVAL_S),
    number("heading_deg", "°", 0, 360, BUS_INTERVAL_S),
    counter("odometer_km", "km", 5_000_000, BUS_INTERVAL_S),
    bool_metric("door_open", BUS_INTERVAL_S),
    text("next_stop", BUS_INTERVAL_S, description="name of the next stop"),
)
