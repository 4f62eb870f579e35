"""Which metrics each kind of reporting thing has: filled by the installed integrations (each
domain declares its own, `vigie.integration.install` registers them)."""

from __future__ import annotations

from vigie.telemetry.metrics import MetricDescription

#: reporter type (an asset type, or the URN type of a part that reports) -> key -> description
METRICS: dict[str, dict[str, MetricDescription]] = {}


def expected_interval_s(reporter_type: str) -> float:
    """The shortest expected reporting interval of a type: silence longer than a few of these
    means the device is not talking."""
    return min(d.expected_interval_s for d in METRICS[reporter_type].values())
