"""Street lighting: luminaire nodes switched and dimmed by their cabinet's schedule, and the
cabinets that feed them and forward their readings (each cabinet is its nodes' gateway).

Consistency: a cabinet's phase currents are its powered nodes' power (spread over the three
phases, node k of the cabinet on phase k mod 3) plus cable losses over its voltage, and its
energy meter advances by exactly CABLE_LOSS × its nodes' energy plus the cabinet's own
consumption, so cabinet meters agree with the luminaire nodes.

Faults: a lamp or driver failure shows at once on the node; a supply loss (supply_v 0) or a
tripped feeder breaker leaves the nodes behind it unpowered: they stop reporting (a dead node
has no radio) and consume nothing, while the cabinet's battery-backed controller goes on
reporting. When power returns, nodes report at once, as they do when they boot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from vigie.domains.lighting.assets import FEEDER_PART, STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.lighting.classes import MAX_ADAPTIVE_STEPS, adaptive_level, floor_pct
from vigie.domains.lighting.metrics import CABINET_INTERVAL_S, LUMINAIRE_INTERVAL_S
from vigie.domains.lighting.programs import Program
from vigie.lab.devices.base import (
    Affected,
    Command,
    Outcome,
    SimContext,
    rounded,
    years_in_service,
)
from vigie.lab.devices.lighting_commands import apply_command
from vigie.lab.devices.lighting_faults import end_fault, fault_assets, start_fault
from vigie.lab.devices.luminaires import (
    NO_OVERRIDE,
    UNTIL_NEXT_CHANGE,
    UNTIL_TIME,
    Ints,
    LuminaireBank,
)
from vigie.lab.devices.sun import LightingSchedule, programme_state
from vigie.registry.asset_types import Relation
from vigie.registry.assets import Asset
from vigie.registry.snapshot import RegistrySnapshot

STREETLIGHT = STREETLIGHT
CABINET = STREETLIGHT_CONTROL_CABINET
CABLE_LOSS = 1.02
CABINET_OWN_W = 8.0  # controller, modem and contactor coils, while the mains is there
NOMINAL_V = 230.0
POWER_FACTOR = 0.95
#: Hours a year street lights burn in France, for the counters' values at the start.
BURNING_HOURS_PER_YEAR = 4_150.0
FACTORY_PROGRAM = -1  # the node's built-in schedule (sun.py), until Vigie assigns one


@dataclass(frozen=True)
class NodeReporting:
    """How luminaire nodes report. Default: full state every 15 min and at once on a change.
    `counters_only`: each cabinet (the nodes' gateway) collects its nodes' energy counters
    every `interval_s`, on the boundaries of that interval (UTC), and forwards them in one
    batch, as segment controllers poll their nodes' meters; no reports on change. Cabinets
    then report every `cabinet_interval_s`."""

    interval_s: float = LUMINAIRE_INTERVAL_S
    on_change: bool = True
    counters_only: bool = False
    cabinet_interval_s: float = CABINET_INTERVAL_S
    #: Counters are collected this long before each boundary, so a reading closes the
    #: interval it measured (rollups give an advance after a long silence to the bucket of
    #: its later reading: a midnight reading would credit the day before to the new day).
    close_early_s: float = 0.0


class Lighting:
    def __init__(
        self, ctx: SimContext, twin: RegistrySnapshot, reporting: NodeReporting | None = None
    ) -> None:
        self.ctx = ctx
        self.reporting = reporting or NodeReporting()
        cabinets = twin.of_type(CABINET)
        feeder_ids: list[str] = []
        feeder_group: list[int] = []
        feeder_of: dict[str, int] = {}
        for g, cabinet in enumerate(cabinets):
            for part in cabinet.parts:
                if part.kind == FEEDER_PART:
                    feeder_of[part.id] = len(feeder_ids)
                    feeder_ids.append(part.id)
                    feeder_group.append(g)
        # Nodes with no known cabinet switch by their municipality's clock: one virtual
        # group (no cabinet reports) per municipality.
        orphans: dict[str, int] = {}
        keyed: list[tuple[int, int, str, Asset]] = []
        for light in twin.of_type(STREETLIGHT):
            feeder = next(
                (feeder_of[k.target_id] for k in light.links
                 if k.relation == Relation.FED_BY.value and k.target_id in feeder_of),
                -1,
            )  # fmt: skip
            if feeder >= 0:
                group = feeder_group[feeder]
            else:
                code = light.municipality_code
                group = orphans.setdefault(code, len(cabinets) + len(orphans))
            keyed.append((group, feeder, light.id, light))
        keyed.sort(key=lambda k: (k[0], k[1], k[2]))
        self.light_ids = [k[2] for k in keyed]
        self.light_feeder = np.array([k[1] for k in keyed], dtype=np.int64)
        self.cabinet_ids = [c.id for c in cabinets]
        self.feeder_ids = feeder_ids
        self.feeder_group = np.array(feeder_group, dtype=np.int64)
        group_count = len(cabinets) + len(orphans)
        group_of = np.array([k[0] for k in keyed], dtype=np.int64)
        bounds = np.searchsorted(group_of, np.arange(group_count + 1))
        self.slices = [(int(bounds[g]), int(bounds[g + 1])) for g in range(group_count)]
        rng = ctx.rng("lighting:init")
        positions = [(c.lon, c.lat) for c in cabinets] + [
            self._centre([k[3] for k in keyed if k[0] == g]) for g in sorted(orphans.values())
        ]
        self.schedules = [
            LightingSchedule(lon, lat, float(rng.uniform(-120.0, 120.0))) for lon, lat in positions
        ]
        rated = np.array([float(k[3].attributes["rated_power_w"]) for k in keyed])
        self.light_class = [str(k[3].attributes.get("lighting_class", "M6")) for k in keyed]
        # What each node's commissioning gave it: its floor and its factor per adaptive step.
        self.class_floors = np.array([floor_pct(c) for c in self.light_class])
        self.adapt_factors = [
            np.array([adaptive_level(c, 100.0, steps) / 100.0 for c in self.light_class])
            for steps in range(MAX_ADAPTIVE_STEPS + 1)
        ]
        installed = rng.uniform(0.0, 1.0, len(keyed)) + [
            float(k[3].attributes.get("installed_year") or 2018) for k in keyed
        ]
        years = np.array([years_in_service(ctx.start_s, float(y)) for y in installed])
        hours = years * BURNING_HOURS_PER_YEAR * rng.uniform(0.95, 1.05, len(keyed))
        energy = hours * rated * 0.78 * 1.05
        self.bank = LuminaireBank(rated, group_of, energy, hours)
        # Schedules run per segment: a cabinet's nodes that run the same programme. Segment g
        # is cabinet g's nodes on their factory schedule; others are made on assignment.
        self.scheduled_on = np.zeros(group_count, dtype=bool)
        self.scheduled_level = np.zeros(group_count)
        self.seg_group: list[int] = list(range(group_count))
        self.seg_program: list[int] = [FACTORY_PROGRAM] * group_count
        self.seg_running: list[bool] = [False] * group_count
        self.segment_of: dict[tuple[int, int], int] = {(g, FACTORY_PROGRAM): g
                                                       for g in range(group_count)}  # fmt: skip
        self.programs: list[Program] = []
        self.program_of: dict[str, int] = {}
        self.supply_ok = np.ones(group_count, dtype=bool)
        self.door_open = np.zeros(group_count, dtype=bool)
        self.tripped_feeder = np.full(group_count, -1, dtype=np.int64)
        self.feeder_tripped = np.zeros(len(feeder_ids), dtype=bool)
        self.own_at_wh = np.zeros(group_count)
        self.own_since_s = np.full(group_count, ctx.start_s)
        self.meter0_wh = np.array(
            [CABLE_LOSS * float(energy[a:b].sum()) * float(rng.uniform(1.0, 1.3)) for a, b in
             self.slices]
        )  # fmt: skip
        self.lights_at_start_wh = np.array([float(energy[a:b].sum()) for a, b in self.slices])
        self.light_index = {light_id: i for i, light_id in enumerate(self.light_ids)}
        self.cabinet_index = {cabinet_id: g for g, cabinet_id in enumerate(self.cabinet_ids)}
        self._noise = ctx.rng("lighting:noise")

    @staticmethod
    def _centre(lights: Sequence[Asset]) -> tuple[float, float]:
        return (
            sum(a.lon for a in lights) / len(lights),
            sum(a.lat for a in lights) / len(lights),
        )

    # -- state changes -------------------------------------------------------------------

    def _members(self, g: int) -> Ints:
        a, b = self.slices[g]
        return np.arange(a, b, dtype=np.int64)

    def gateway_of(self, i: int) -> str | None:
        """The cabinet forwarding node i's readings (None for a node with no cabinet)."""
        g = int(self.bank.group[i])
        return self.cabinet_ids[g] if g < len(self.cabinet_ids) else None

    def _apply(
        self, idx: Ints, t_s: float, *, report_all: bool = False, also: Ints | None = None
    ) -> None:
        """Recompute `idx` after a change (counters accrued first) and report at once
        whatever changed (or all of them, or `also`), from the nodes that have power."""
        changed = self.bank.recompute(idx, self.scheduled_on, self.scheduled_level)
        if not self.reporting.on_change:
            return
        if report_all:
            changed = idx
        elif also is not None and len(also):
            changed = np.union1d(changed, also)
        for i in changed.tolist():
            self._report_light(t_s, i)

    def _refresh(self, idx: Ints, t_s: float, *, report_all: bool = False) -> None:
        self.bank.accrue(idx, t_s)
        self._apply(idx, t_s, report_all=report_all)

    def _set_supply(self, g: int, ok: bool, t_s: float) -> None:
        self.own_at_wh[g] = self._own_wh(g, t_s)
        self.own_since_s[g] = t_s
        self.supply_ok[g] = ok
        self._power_nodes(g, t_s)

    def _power_nodes(self, g: int, t_s: float) -> None:
        """Set which nodes of group g have power; nodes that regain it boot and report."""
        idx = self._members(g)
        feeders = self.light_feeder[idx]
        powered = self.supply_ok[g] & ~np.where(feeders >= 0, self.feeder_tripped[feeders], False)
        booting = idx[powered & ~self.bank.powered[idx]]
        self.bank.accrue(idx, t_s)
        self.bank.powered[idx] = powered
        self._apply(idx, t_s, also=booting)

    # -- events --------------------------------------------------------------------------

    def start(self, t0_s: float) -> None:
        self.bank.since_s[:] = t0_s
        for g in range(len(self.slices)):
            self._schedule_step(t0_s, g, boot=True)
        reporting = self.reporting
        if not reporting.counters_only:
            for g in range(len(self.cabinet_ids)):
                self._report_cabinet(t0_s, g)
        if reporting.counters_only:
            for g in range(len(self.slices)):
                self._report_counters(t0_s, g)
            first = (t0_s // reporting.interval_s + 1) * reporting.interval_s
            first -= reporting.close_early_s
            if first <= t0_s:
                first += reporting.interval_s
            for g in range(len(self.slices)):
                self.ctx.scheduler.at(first, self._counters_tick, g)
        else:
            for i in range(len(self.bank)):
                self._report_light(t0_s, i)
            for i, t_s in enumerate(self.ctx.phases("lighting:lights", len(self.bank),
                                                    reporting.interval_s)):  # fmt: skip
                self.ctx.scheduler.at(t_s, self._light_tick, i)
        if reporting.counters_only:
            return  # cabinets report their meter with their nodes' counters
        for g, t_s in enumerate(self.ctx.phases("lighting:cabinets", len(self.cabinet_ids),
                                                reporting.cabinet_interval_s)):  # fmt: skip
            self.ctx.scheduler.at(t_s, self._cabinet_tick, g)

    def _segment_members(self, s: int) -> Ints:
        idx = self._members(self.seg_group[s])
        found: Ints = idx[self.bank.segment[idx] == s]
        return found

    def _schedule_step(self, t_s: float, s: int, *, boot: bool = False) -> None:
        g, p = self.seg_group[s], self.seg_program[s]
        idx = self._segment_members(s)
        if len(idx) == 0:
            self.seg_running[s] = False  # nobody runs it here any more; restarted on demand
            return
        self.seg_running[s] = True
        level: float
        if p == FACTORY_PROGRAM:
            on, level, next_s = self.schedules[g].state(t_s)
        else:
            on, level, next_s = programme_state(self.schedules[g], self.programs[p], t_s)
        self.scheduled_on[s] = on
        self.scheduled_level[s] = level
        if not boot:
            # "Until the next change" overrides end here; timed ones run on.
            ending = idx[self.bank.override[idx] == UNTIL_NEXT_CHANGE]
            self.bank.override[ending] = NO_OVERRIDE
            self._refresh(idx, t_s)
        else:
            self.bank.recompute(idx, self.scheduled_on, self.scheduled_level)
        self.ctx.scheduler.at(max(next_s, t_s + 1e-3), self._schedule_step, s)

    def _segment_for(self, g: int, p: int, t_s: float) -> int:
        """The segment of cabinet g's nodes running programme p, made (and its schedule
        started) when the first node joins it."""
        s = self.segment_of.get((g, p))
        if s is None:
            s = len(self.seg_group)
            self.segment_of[(g, p)] = s
            self.seg_group.append(g)
            self.seg_program.append(p)
            self.seg_running.append(False)
            self.scheduled_on = np.append(self.scheduled_on, False)
            self.scheduled_level = np.append(self.scheduled_level, 0.0)
        return s

    def _start_segment(self, s: int, t_s: float) -> None:
        if not self.seg_running[s]:
            self._schedule_step(t_s, s, boot=True)

    def _light_tick(self, t_s: float, i: int) -> None:
        self._report_light(t_s, i)
        self.ctx.scheduler.at(t_s + LUMINAIRE_INTERVAL_S, self._light_tick, i)

    def _cabinet_tick(self, t_s: float, g: int) -> None:
        self._report_cabinet(t_s, g)
        self.ctx.scheduler.at(t_s + self.reporting.cabinet_interval_s, self._cabinet_tick, g)

    def _counters_tick(self, t_s: float, g: int) -> None:
        self._report_counters(t_s, g)
        self.ctx.scheduler.at(t_s + self.reporting.interval_s, self._counters_tick, g)

    def _report_counters(self, t_s: float, g: int) -> None:
        """The energy counters of cabinet g's powered nodes, forwarded by the cabinet with
        its own meter's reading."""
        if g < len(self.cabinet_ids):
            self._report_cabinet(t_s, g)
        a, b = self.slices[g]
        energies = self.bank.energies_wh(slice(a, b), t_s).tolist()
        powered = self.bank.powered[a:b].tolist()
        gateway = self.cabinet_ids[g] if g < len(self.cabinet_ids) else None
        emit = self.ctx.outbox.emit
        for k in range(b - a):
            if powered[k]:
                emit(self.light_ids[a + k], t_s, {"energy_wh": round(energies[k], 3)}, gateway)

    def _override_ends(self, t_s: float, i: int) -> None:
        bank = self.bank
        if bank.override[i] == UNTIL_TIME and bank.override_until_s[i] <= t_s:
            bank.override[i] = NO_OVERRIDE
            self._refresh(np.array([i], dtype=np.int64), t_s)

    # -- readings ------------------------------------------------------------------------

    def _report_light(self, t_s: float, i: int) -> None:
        if self.bank.powered[i]:
            self.ctx.outbox.emit(
                self.light_ids[i], t_s, self.bank.reading(i, t_s), self.gateway_of(i)
            )

    def _own_wh(self, g: int, t_s: float) -> float:
        own_w = CABINET_OWN_W if self.supply_ok[g] else 0.0
        return float(self.own_at_wh[g] + own_w * (t_s - self.own_since_s[g]) / 3600.0)

    def cabinet_energy_wh(self, g: int, t_s: float) -> float:
        a, b = self.slices[g]
        lights_wh = self.bank.energy_sum_wh(slice(a, b), t_s) - self.lights_at_start_wh[g]
        return float(self.meter0_wh[g] + CABLE_LOSS * lights_wh + self._own_wh(g, t_s))

    def _report_cabinet(self, t_s: float, g: int) -> None:
        a, b = self.slices[g]
        if self.supply_ok[g]:
            volts = float(np.clip(NOMINAL_V + self._noise.normal(0.0, 1.5), 215.0, 245.0))
            power = self.bank.power_w[a:b]
            phase = np.arange(b - a) % 3
            amps = [
                CABLE_LOSS * float(power[phase == p].sum()) / (volts * POWER_FACTOR)
                for p in range(3)
            ]
            amps[0] += CABINET_OWN_W / volts
        else:
            volts, amps = 0.0, [0.0, 0.0, 0.0]
        self.ctx.outbox.emit(
            self.cabinet_ids[g],
            t_s,
            {
                "supply_v": rounded(volts, 1),
                "current_l1_a": rounded(amps[0], 3),
                "current_l2_a": rounded(amps[1], 3),
                "current_l3_a": rounded(amps[2], 3),
                "energy_wh": rounded(self.cabinet_energy_wh(g, t_s), 3),
                "door_open": bool(self.door_open[g]),
                "breaker_tripped": bool(self.tripped_feeder[g] >= 0),
            },
        )

    def finish(self, t_s: float) -> None:
        if self.reporting.counters_only:
            for g in range(len(self.slices)):
                self._report_counters(t_s, g)
            return
        for i in range(len(self.bank)):
            self._report_light(t_s, i)
        for g in range(len(self.cabinet_ids)):
            self._report_cabinet(t_s, g)

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        for i, light_id in enumerate(self.light_ids):
            yield light_id, "energy_wh", self.bank.energy_wh(i, t_s)
            yield light_id, "operating_hours_h", self.bank.hours_h(i, t_s)
        for g, cabinet_id in enumerate(self.cabinet_ids):
            yield cabinet_id, "energy_wh", self.cabinet_energy_wh(g, t_s)

    # -- commands ------------------------------------------------------------------------

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        return apply_command(self, asset_id, command, until_s, t_s)

    # -- faults (lighting_faults.py) ----------------------------------------------------

    def fault_assets(self, kind: str) -> Sequence[str]:
        return fault_assets(self, kind)

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        return start_fault(self, kind, index, t_s)

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        end_fault(self, kind, index, t_s)


def lights_by_cabinet(lighting: Lighting) -> dict[str, list[str]]:
    """Cabinet id → ids of the luminaires it feeds (for tests and the ground truth)."""
    found: dict[str, list[str]] = defaultdict(list)
    for i, light_id in enumerate(lighting.light_ids):
        gateway = lighting.gateway_of(i)
        if gateway is not None:
            found[gateway].append(light_id)
    return dict(found)
