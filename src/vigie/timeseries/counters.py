"""Which metrics are counters (monotonic totals whose increase a rollup reports), read from the
installed integrations' metric descriptions each time it is asked: a module-level snapshot
would be taken before the integrations are installed."""

from __future__ import annotations

from collections.abc import Mapping

from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import MetricDescription, MetricKind

Catalogue = Mapping[str, Mapping[str, MetricDescription]]


def _kinds_by_key(catalogue: Catalogue) -> dict[str, set[MetricKind]]:
    kinds: dict[str, set[MetricKind]] = {}
    for descriptions in catalogue.values():
        for key, description in descriptions.items():
            kinds.setdefault(key, set()).add(description.kind)
    return kinds


def mixed_counter_keys(catalogue: Catalogue) -> list[str]:
    """Metric keys that are counters for some types only. Rollups know a series only by its
    metric key, so a key must be a counter everywhere or nowhere."""
    return sorted(
        k
        for k, found in _kinds_by_key(catalogue).items()
        if MetricKind.COUNTER in found and len(found) > 1
    )


def counter_metrics() -> frozenset[str]:
    """The installed counters: energy_wh, odometer_km, operating_hours_h, volume_m3, …"""
    return frozenset(
        k for k, found in _kinds_by_key(METRICS).items() if MetricKind.COUNTER in found
    )
