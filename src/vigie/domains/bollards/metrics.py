"""What access bollards report: every 5 minutes and on each movement."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, enum

BOLLARD_INTERVAL_S = 300.0

BOLLARD_METRICS = by_key(
    enum("position", ("up", "down", "moving"), BOLLARD_INTERVAL_S),
    bool_metric("fault", BOLLARD_INTERVAL_S),
)
