"""The run's own account: readings emitted per type, and for every counter (energy_wh,
volume_m3) how far it advanced between the first and the last reading the device sent —
exactly what a store receiving every reading can compute — next to the true advance over
the whole run from the devices' exact state (`simulated`), which differs only where a device
was silent at an end of the run (luminaires without supply)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from vigie.lab.devices.base import Reading
from vigie.registry.ids import parse_urn

COUNTER_METRICS = ("energy_wh", "volume_m3")


class Totals:
    def __init__(self) -> None:
        self.readings = 0
        self.readings_by_type: Counter[str] = Counter()
        self._first: dict[tuple[str, str], float] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._type_of: dict[str, str] = {}

    def type_of(self, asset_id: str) -> str:
        found = self._type_of.get(asset_id)
        if found is None:
            parsed = parse_urn(asset_id)
            found = parsed[0] if parsed else "?"
            self._type_of[asset_id] = found
        return found

    def observe(self, reading: Reading) -> None:
        self.readings += 1
        self.readings_by_type[self.type_of(reading.asset_id)] += 1
        # A reading holds a metric or two: look at those, not at every counter key.
        for metric, value in reading.metrics.items():
            if value is not None and metric in COUNTER_METRICS:
                key = (reading.asset_id, metric)
                self._first.setdefault(key, value)
                self._last[key] = value

    def advance(self, metric: str) -> dict[str, float]:
        """Asset id → last − first value of `metric` it sent."""
        return {
            asset_id: self._last[(asset_id, m)] - first
            for (asset_id, m), first in self._first.items()
            if m == metric
        }

    def summary(self, simulated: Iterable[tuple[str, str, float]] | None = None) -> dict[str, Any]:
        """The totals as JSON-ready data; `simulated` is (asset, metric, advance) from the
        devices' own state over the run."""
        result: dict[str, Any] = {
            "readings": self.readings,
            "readings_by_type": dict(sorted(self.readings_by_type.items())),
        }
        exact: dict[str, dict[str, float]] = {m: {} for m in COUNTER_METRICS}
        for asset_id, metric, advance in simulated or ():
            if metric in exact:
                sums = exact[metric]
                kind = self.type_of(asset_id)
                sums[kind] = sums.get(kind, 0.0) + advance
        for metric in COUNTER_METRICS:
            per_asset = self.advance(metric)
            by_type: dict[str, float] = {}
            for asset_id, advance in per_asset.items():
                kind = self.type_of(asset_id)
                by_type[kind] = by_type.get(kind, 0.0) + advance
            result[metric] = {
                "total": round(sum(per_asset.values()), 3),
                "by_type": {k: round(v, 3) for k, v in sorted(by_type.items())},
                "simulated_by_type": {k: round(v, 3) for k, v in sorted(exact[metric].items())},
                "by_asset": {k: round(v, 4) for k, v in sorted(per_asset.items())},
            }
        return result
