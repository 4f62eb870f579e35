"""Which metrics are counters (monotonic totals whose increase a rollup reports)."""

from __future__ import annotations

from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import MetricKind


def _counter_keys() -> frozenset[str]:
    kinds: dict[str, set[MetricKind]] = {}
    for descriptions in METRICS.values():
        for key, description in descriptions.items():
            kinds.setdefault(key, set()).add(description.kind)
    mixed = sorted(
        k for k, found in kinds.items() if MetricKind.COUNTER in found and len(found) > 1
    )
    # Rollups know a series only by its metric key: a key must be a counter everywhere or nowhere.
    if mixed:
        raise RuntimeError(f"metric keys that are counters for some types only: {mixed}")
    return frozenset(k for k, found in kinds.items() if MetricKind.COUNTER in found)


#: energy_wh, odometer_km, operating_hours_h, volume_m3 (from the domains' descriptions).
COUNTER_METRICS = _counter_keys()
