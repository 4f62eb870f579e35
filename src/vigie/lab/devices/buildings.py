"""Public buildings as their management systems report them every 15 minutes (indoor
temperature, HVAC mode and setpoint, occupancy), and their meters (each reporting under its
own id): electricity, gas or district heat in Wh, water in m³.

Physics, kept simple but consistent: heat loss UA (W/K) from floor area and renovation;
heating holds the setpoint (19 °C open, 16 °C set back at night; preheat before opening);
the heating power is UA × (setpoint − outdoor), more while recovering; free-running rooms
drift towards the outdoor temperature plus internal gains. Gas is burnt at 92% efficiency;
buildings with no gas or heat meter heat with a heat pump (COP 3) on electricity. Meters
integrate the building's power exactly between its 15-minute steps (piecewise constant).
Gas meters report energy (kWh of gas, as French gas bills do), not volume.

A `heating_left_on` fault keeps the daytime setpoint through the nights (from the first
evening after it is injected) until repaired.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vigie.domains.buildings.assets import BUILDING, METER_PART
from vigie.domains.buildings.metrics import BUILDING_INTERVAL_S
from vigie.lab.devices.base import (
    YEAR_S,
    Affected,
    Command,
    Outcome,
    SimContext,
    rounded,
    unsupported,
    years_in_service,
)
from vigie.lab.devices.occupancy import PREHEAT_H, is_night, occupied
from vigie.lab.devices.weather import Weather
from vigie.registry.snapshot import RegistrySnapshot

BUILDING = BUILDING
BOILER_EFFICIENCY = 0.92
HEAT_PUMP_COP = 3.0
CHILLER_COP = 3.0
SETBACK_C = 16.0
FROST_C = 8.0
COOLING_SETPOINT_C = 26.0
OCCUPIED_SETPOINT_C = {"gym": 16.0, "pool": 26.0, "nursery": 21.0}
COOLED_USES = {"office", "town_hall", "library", "cultural"}
#: Mean rate over a year per m² (W, or m³/h for water): where counters stand at the start.
MEAN_RATE_PER_M2 = {"electricity": 5.0, "gas": 11.0, "heat": 10.0, "water": 1e-4}


@dataclass
class _Meter:
    id: str
    carrier: str  # electricity, gas, heat, water
    counter_at: float  # Wh, or m³ for water
    rate: float = 0.0  # W, or m³/h for water
    since_s: float = 0.0
    last_report: tuple[float, float] | None = None  # (t, counter) of the previous report


@dataclass
class _Building:
    id: str
    use: str
    area_m2: float
    ua_w_per_k: float
    tau_free_h: float
    meters: list[_Meter] = field(default_factory=list)
    indoor_c: float = 19.0
    mode: str = "off"
    setpoint_c: float = FROST_C
    is_occupied: bool = False
    stuck_from_s: float | None = None  # heating_left_on
    last_s: float = 0.0


class Buildings:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        self.weather = Weather(ctx.seed)
        rng = ctx.rng("buildings:init")
        self.buildings: list[_Building] = []
        for asset in twin.of_type(BUILDING):
            area = float(asset.attributes.get("floor_area_m2") or 1_000.0)
            renovated = bool(asset.attributes.get("renovated"))
            use = str(asset.attributes.get("building_use") or "other")
            loss = (0.6 if renovated else 1.5) * (2.0 if use == "pool" else 1.0)
            meters = []
            for part in asset.parts:
                if part.kind != METER_PART:
                    continue
                carrier = str(part.attributes.get("energy_carrier", "electricity"))
                years = years_in_service(ctx.start_s, float(rng.uniform(2008.0, 2020.0)))
                per_year = MEAN_RATE_PER_M2.get(carrier, 5.0) * area * YEAR_S / 3600.0
                meters.append(_Meter(part.id, carrier, per_year * years))
            self.buildings.append(
                _Building(asset.id, use, area, area * loss, 60.0 if renovated else 30.0, meters)
            )
        self.ids = [b.id for b in self.buildings]
        self.meters = [(b, m) for b in self.buildings for m in b.meters]

    # -- the building's state ----------------------------------------------------------

    def _targets(self, b: _Building, t_s: float) -> tuple[bool, str, float]:
        """(occupied, hvac mode, setpoint) for the 15 minutes starting at t_s."""
        is_open = occupied(b.use, t_s)
        comfort = OCCUPIED_SETPOINT_C.get(b.use, 19.0)
        if self.weather.heating_season(t_s):
            stuck = b.stuck_from_s is not None and t_s >= b.stuck_from_s
            warm = is_open or occupied(b.use, t_s, PREHEAT_H) or stuck
            return is_open, "heating", comfort if warm else min(SETBACK_C, comfort)
        if not is_open:
            return False, "off", FROST_C
        hot = self.weather.outdoor_c(t_s) > 24.0 and b.use in COOLED_USES and b.area_m2 > 1_000
        return True, "cooling" if hot else "ventilation", COOLING_SETPOINT_C

    def _step(self, b: _Building, t_s: float) -> None:
        """Advance the indoor temperature to t_s at the old mode, then set the new mode and
        the powers (meters accrue at the old rate first)."""
        outdoor = self.weather.outdoor_c(t_s)
        hours = max(0.0, t_s - b.last_s) / 3600.0
        free = outdoor + (5.0 if b.is_occupied else 3.0)
        if b.mode == "heating":
            target, tau_h = max(b.setpoint_c, free), 1.5
        elif b.mode == "cooling":
            target, tau_h = min(b.setpoint_c, free), 2.0
        else:
            target, tau_h = free, b.tau_free_h
        b.indoor_c += (target - b.indoor_c) * (1.0 - math.exp(-hours / tau_h))
        b.is_occupied, b.mode, b.setpoint_c = self._targets(b, t_s)
        heat_w = cool_w = 0.0
        if b.mode == "heating":
            recovering = min(max((b.setpoint_c - b.indoor_c) / 2.0, 0.0), 1.0)
            heat_w = b.ua_w_per_k * max(0.0, b.setpoint_c - outdoor) * (1.0 + 0.6 * recovering)
        elif b.mode == "cooling":
            cool_w = b.ua_w_per_k * max(0.0, outdoor - b.setpoint_c) / CHILLER_COP
        electric_w = b.area_m2 * (10.0 if b.is_occupied else 2.5) + cool_w
        if b.use == "pool":
            electric_w += b.area_m2 * 8.0  # pumps and filtration run day and night
        carriers = {m.carrier for m in b.meters}
        heated_by = "gas" if "gas" in carriers else ("heat" if "heat" in carriers else None)
        if heated_by is None:
            electric_w += heat_w / HEAT_PUMP_COP
        water_m3_h = b.area_m2 * (4e-4 if b.is_occupied else 2e-5) + (1.5 if b.use == "pool" else 0)
        rates = {
            "electricity": electric_w,
            "gas": heat_w / BOILER_EFFICIENCY,
            "heat": heat_w,
            "water": water_m3_h,
        }
        for meter in b.meters:
            meter.counter_at = self._counter(meter, t_s)
            meter.since_s = t_s
            meter.rate = rates.get(meter.carrier, 0.0)
        b.last_s = t_s

    @staticmethod
    def _counter(meter: _Meter, t_s: float) -> float:
        return meter.counter_at + meter.rate * (t_s - meter.since_s) / 3600.0

    # -- events --------------------------------------------------------------------------

    def start(self, t0_s: float) -> None:
        for b in self.buildings:
            b.last_s = t0_s
            for meter in b.meters:
                meter.since_s = t0_s
            b.is_occupied, b.mode, b.setpoint_c = self._targets(b, t0_s)
            outdoor = self.weather.outdoor_c(t0_s)
            b.indoor_c = b.setpoint_c if b.mode == "heating" else outdoor + 4.0
            b.indoor_c = min(max(b.indoor_c, 10.0), 30.0)
            self._step(b, t0_s)
            self._report_building(t0_s, b)
        for _b, meter in self.meters:
            self._report_meter(t0_s, meter)
        phases = self.ctx.phases("buildings", len(self.buildings), BUILDING_INTERVAL_S)
        for k, t_s in enumerate(phases):
            self.ctx.scheduler.at(t_s, self._building_tick, k)
        phases = self.ctx.phases("meters", len(self.meters), BUILDING_INTERVAL_S)
        for k, t_s in enumerate(phases):
            self.ctx.scheduler.at(t_s, self._meter_tick, k)

    def _building_tick(self, t_s: float, k: int) -> None:
        b = self.buildings[k]
        self._step(b, t_s)
        self._report_building(t_s, b)
        self.ctx.scheduler.at(t_s + BUILDING_INTERVAL_S, self._building_tick, k)

    def _meter_tick(self, t_s: float, k: int) -> None:
        self._report_meter(t_s, self.meters[k][1])
        self.ctx.scheduler.at(t_s + BUILDING_INTERVAL_S, self._meter_tick, k)

    def _report_building(self, t_s: float, b: _Building) -> None:
        self.ctx.outbox.emit(
            b.id,
            t_s,
            {
                "indoor_temp_c": rounded(min(max(b.indoor_c, -20.0), 50.0), 2),
                "hvac_mode": b.mode,
                "setpoint_c": rounded(b.setpoint_c, 1),
                "occupied": b.is_occupied,
            },
        )

    def _report_meter(self, t_s: float, meter: _Meter) -> None:
        counter = self._counter(meter, t_s)
        if meter.carrier == "water":
            metrics: dict[str, object] = {"volume_m3": rounded(counter, 4)}
        else:
            previous = meter.last_report
            if previous is not None and t_s > previous[0]:
                mean_w = (counter - previous[1]) * 3600.0 / (t_s - previous[0])
            else:
                mean_w = meter.rate
            metrics = {
                "energy_wh": rounded(counter, 3),
                "power_w": rounded(min(max(mean_w, 0.0), 5e6), 1),
            }
        meter.last_report = (t_s, counter)
        self.ctx.outbox.emit(meter.id, t_s, metrics)

    def finish(self, t_s: float) -> None:
        for _b, meter in self.meters:
            self._report_meter(t_s, meter)

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        for _b, meter in self.meters:
            metric = "volume_m3" if meter.carrier == "water" else "energy_wh"
            yield meter.id, metric, self._counter(meter, t_s)

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        if asset_id not in self.ids:
            return None
        return unsupported(BUILDING, command)

    # -- faults ----------------------------------------------------------------------------

    def fault_assets(self, kind: str) -> Sequence[str]:
        return self.ids if kind == "heating_left_on" else ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        b = self.buildings[index]
        if b.stuck_from_s is not None or not self.weather.heating_season(t_s):
            return None
        # It shows from the first night the building is closed: that is when it starts.
        start = t_s
        while not (is_night(start) and not occupied(b.use, start)) and start < t_s + 3 * 86_400:
            start += 900.0
        b.stuck_from_s = start
        return Affected(start)

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        self.buildings[index].stuck_from_s = None
