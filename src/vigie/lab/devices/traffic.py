"""Signalised intersections: controllers running a timing plan chosen by time of day
(night, off-peak, the two peaks, weekend), counting vehicles on their detectors, reporting
every minute and at once when their mode changes.

Plans: 1 night (21:00-06:00), 2 weekday off-peak, 3 morning peak (07:00-09:30), 4 evening
peak (16:30-19:00), 5 weekend day. Actuated controllers stretch their cycle with demand.
A `flashing` fault puts the controller in amber flashing: no plan, no cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.traffic.metrics import CONTROLLER_INTERVAL_S
from vigie.lab.devices.base import Affected, Command, Outcome, SimContext, rounded, unsupported
from vigie.lab.devices.calendar import is_weekday, local_hour
from vigie.lab.devices.traffic_curve import traffic_share
from vigie.registry.asset_types import Relation
from vigie.registry.snapshot import RegistrySnapshot

CONTROLLER = TRAFFIC_SIGNAL_CONTROLLER
#: Base cycle length of each plan, seconds.
PLAN_CYCLE_S = {1: 60.0, 2: 80.0, 3: 110.0, 4: 110.0, 5: 80.0}


def plan_at(t_s: float) -> int:
    hour = local_hour(t_s)
    if hour >= 21.0 or hour < 6.0:
        return 1
    if not is_weekday(t_s):
        return 5
    if 7.0 <= hour < 9.5:
        return 3
    if 16.5 <= hour < 19.0:
        return 4
    return 2


class Traffic:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        controllers = twin.of_type(CONTROLLER)
        self.ids = [c.id for c in controllers]
        self.index = {asset_id: k for k, asset_id in enumerate(self.ids)}
        self.node = [
            next((k.target_id for k in c.links if k.relation == Relation.CONNECTED_TO.value), "")
            for c in controllers
        ]
        self.base_mode = [
            "fixed_time" if c.attributes.get("control_mode") == "fixed_time" else "actuated"
            for c in controllers
        ]
        rng = ctx.rng("traffic:init")
        count = len(controllers)
        self.capacity_vph = rng.uniform(700.0, 2_600.0, count)
        self.stages = rng.integers(2, 5, count)
        self.cycle_trim_s = rng.uniform(-8.0, 8.0, count)
        self.offset_s = rng.uniform(0.0, 120.0, count)
        self.flashing = np.zeros(count, dtype=bool)
        self.plan_override: list[tuple[int, float] | None] = [None] * count
        self._noise = ctx.rng("traffic:noise")

    def start(self, t0_s: float) -> None:
        for k in range(len(self.ids)):
            self._report(t0_s, k)
        for k, t_s in enumerate(self.ctx.phases("traffic", len(self.ids), CONTROLLER_INTERVAL_S)):
            self.ctx.scheduler.at(t_s, self._tick, k)

    def _tick(self, t_s: float, k: int) -> None:
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + CONTROLLER_INTERVAL_S, self._tick, k)

    def plan(self, k: int, t_s: float) -> int:
        override = self.plan_override[k]
        if override is not None:
            if t_s < override[1]:
                return override[0]
            self.plan_override[k] = None
        return plan_at(t_s)

    def _report(self, t_s: float, k: int) -> None:
        if not self.ctx.node_reachable(self.node[k]):
            return
        share = traffic_share(t_s)
        flow = self.capacity_vph[k] * share * float(self._noise.lognormal(0.0, 0.12))
        metrics: dict[str, object] = {
            "vehicles_per_h": rounded(min(flow, 20_000.0), 0),
            "detector_fault": False,
            "signal_lamp_fault": False,
        }
        if self.flashing[k]:
            metrics.update({"mode": "flashing", "plan": 0, "cycle_s": 0, "cycle_phase": 0})
        else:
            plan = self.plan(k, t_s)
            cycle = PLAN_CYCLE_S.get(plan, 90.0) + self.cycle_trim_s[k]
            if self.base_mode[k] == "actuated":
                cycle *= (0.75 + 0.25 * share / 0.6) if share < 0.6 else 1.0
            cycle_s = float(np.clip(round(cycle), 30.0, 300.0))
            stage = int(((t_s + self.offset_s[k]) % cycle_s) / cycle_s * int(self.stages[k]))
            metrics.update(
                {"mode": self.base_mode[k], "plan": plan, "cycle_s": cycle_s, "cycle_phase": stage}
            )
        self.ctx.outbox.emit(self.ids[k], t_s, metrics)

    def finish(self, t_s: float) -> None:
        """No counters to close."""

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        return iter(())

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        k = self.index.get(asset_id)
        if k is None:
            return None
        if not self.ctx.node_reachable(self.node[k]):
            return Outcome("silent")
        if command.action != "set_plan":
            return unsupported(CONTROLLER, command)
        if command.plan is None or not 1 <= command.plan <= 255:
            return Outcome("failed", "set_plan needs plan between 1 and 255")
        if self.flashing[k]:
            return Outcome("failed", "the controller is in flashing mode")
        # Without `until`, the plan holds for an hour: a controller never keeps a manual
        # plan for ever.
        self.plan_override[k] = (command.plan, until_s if until_s is not None else t_s + 3600.0)
        self._report(t_s, k)
        return Outcome("acknowledged")

    def fault_assets(self, kind: str) -> Sequence[str]:
        return self.ids if kind == "controller_flashing" else ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        if self.flashing[index]:
            return None
        self.flashing[index] = True
        self._report(t_s, index)
        return Affected(t_s)

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        self.flashing[index] = False
        self._report(t_s, index)
