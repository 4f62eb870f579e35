"""Injecting faults: each kind is a Poisson process over all the devices it can strike (rate
per device-day × number of devices), so one pending event per kind whatever the fleet size.
When one fires, a device is drawn at random; if the fault cannot happen to it now (already
faulty, a bus out of service, heating outside the heating season), that occurrence is
skipped. Each fault gets its repair time at once, and its record goes to the ground truth."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from vigie.lab.devices.base import Faultable, SimContext
from vigie.lab.faults.config import FaultConfig
from vigie.lab.faults.ground_truth import FaultRecord
from vigie.lab.faults.kinds import REPAIR_SIGMA, SPECS, FaultKind

DAY_S = 86_400.0


class FaultInjector:
    def __init__(
        self,
        ctx: SimContext,
        domains: Sequence[Faultable],
        config: FaultConfig,
        on_record: Callable[[FaultRecord], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.records: list[FaultRecord] = []
        self._on_record = on_record
        self._rng = ctx.rng("faults")
        self._kinds: list[tuple[FaultKind, Faultable, Sequence[str], float]] = []
        for kind in FaultKind:
            rate = config.rates.get(kind, 0.0)
            for domain in domains:
                assets = domain.fault_assets(kind.value)
                if assets and rate > 0:
                    self._kinds.append((kind, domain, assets, rate * len(assets) / DAY_S))
                    break
        self._active: dict[int, tuple[FaultKind, Faultable, int]] = {}

    def start(self, t0_s: float) -> None:
        for k in range(len(self._kinds)):
            self._plan(t0_s, k)

    def _plan(self, t_s: float, k: int) -> None:
        per_s = self._kinds[k][3]
        self.ctx.scheduler.at(t_s + float(self._rng.exponential(1.0 / per_s)), self._fire, k)

    def _fire(self, t_s: float, k: int) -> None:
        kind, domain, assets, _ = self._kinds[k]
        index = int(self._rng.integers(len(assets)))
        repair_h = self._repair_h(kind)
        affected = domain.start_fault(kind.value, index, t_s)
        if affected is not None:
            number = len(self.records) + 1
            end_s = affected.start_s + repair_h * 3600.0
            record = FaultRecord(
                id=f"F{number:06d}",
                type=kind.value,
                asset_id=assets[index],
                asset_type=SPECS[kind].asset_type,
                start=datetime.fromtimestamp(affected.start_s, UTC),
                end=datetime.fromtimestamp(end_s, UTC),
                affected=affected.assets,
                detail=affected.detail,
            )
            self.records.append(record)
            if self._on_record is not None:
                self._on_record(record)
            self._active[number] = (kind, domain, index)
            self.ctx.scheduler.at(end_s, self._repair, number)
        self._plan(t_s, k)

    def _repair_h(self, kind: FaultKind) -> float:
        spec = SPECS[kind]
        median = self.config.repair_median_h.get(kind, spec.repair_median_h)
        low, high = spec.repair_bounds_h
        drawn = median * math.exp(float(self._rng.normal(0.0, REPAIR_SIGMA)))
        return min(max(drawn, min(low, median)), max(high, median))

    def _repair(self, t_s: float, number: int) -> None:
        kind, domain, index = self._active.pop(number)
        domain.end_fault(kind.value, index, t_s)

    @property
    def active(self) -> int:
        return len(self._active)
