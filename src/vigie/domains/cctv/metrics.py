"""What cameras report (through the video management system) every 5 minutes."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, number

CAMERA_INTERVAL_S = 300.0

CAMERA_METRICS = by_key(
    bool_metric("online", CAMERA_INTERVAL_S),
    bool_metric("video_ok", CAMERA_INTERVAL_S, "a picture is received"),
    number("bitrate_kbps", "kbit/s", 0, 100_000, CAMERA_INTERVAL_S),
)
