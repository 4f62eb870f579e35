"""Buses on their lines: driving stop to stop, halting at signals, dwelling at stops with the
doors open, laying over at the termini, parked outside their service hours; a position
every 10 seconds. Delays come from what delays real buses: traffic (slower at the peaks),
red lights and dwell times that vary stop to stop.

Service: most buses run 05:30-00:30 (07:00 at weekends); a third only at the weekday peaks
(06:30-09:30, 16:00-19:30). A bus leaving service finishes its trip and parks at the
terminus. A `bus_breakdown` fault stops the bus where it is, off schedule, until repaired.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from vigie.domains.lighting.assets import STREETLIGHT
from vigie.domains.transit.assets import BUS
from vigie.domains.transit.gtfs.lines import BusLine, derive_lines
from vigie.domains.transit.gtfs.paths import StreetNamer
from vigie.domains.transit.metrics import BUS_INTERVAL_S
from vigie.lab.devices.base import (
    Affected,
    Command,
    Outcome,
    SimContext,
    rounded,
    unsupported,
    years_in_service,
)
from vigie.lab.devices.calendar import is_weekday, local_hour
from vigie.lab.devices.traffic_curve import congestion
from vigie.registry.snapshot import Frame, RegistrySnapshot

BUS = BUS
DRIVE, DWELL, SIGNAL, LAYOVER, PARKED = "drive", "dwell", "signal", "layover", "parked"
SIGNAL_CHANCE = 0.35  # a signalised crossing between two stops
GPS_SIGMA_M = 2.0
KM_PER_YEAR = 55_000.0  # a city bus in service


@dataclass
class _Bus:
    line: BusLine
    peak_only: bool
    s_m: float
    direction: int  # +1 outbound (centre → suburb), -1 inbound
    stop: int  # index of the next stop (or the one the bus stands at)
    mode: str = PARKED
    remaining_s: float = 0.0  # of a dwell, a red light or a layover
    halt_s: float = 0.0  # where the bus halts next while driving
    halt_is_signal: bool = False
    speed_mps: float = 0.0
    heading_deg: float = 0.0
    odometer_m: float = 0.0
    last_s: float = 0.0  # simulated time the state was advanced to
    broken: bool = False


class Transit:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        buses = twin.of_type(BUS)
        self.ids = [b.id for b in buses]
        self.index = {asset_id: k for k, asset_id in enumerate(self.ids)}
        self.frame = Frame(twin.ref_lat)
        main = twin.main_municipality()
        rng = ctx.rng("transit:init")
        centre = (
            self.frame.to_xy(main.lon, main.lat)
            if main is not None
            else (self.frame.to_xy(buses[0].lon, buses[0].lat) if buses else (0.0, 0.0))
        )
        namer = StreetNamer(twin.of_type(STREETLIGHT), self.frame.to_xy)
        self.lines = derive_lines(buses, self.frame.to_xy, centre, namer, rng) if buses else {}
        self.buses: list[_Bus] = []
        for bus in buses:
            line = self.lines[str(bus.attributes.get("line_ref") or "?")]
            s_m = float(rng.uniform(0.0, line.path.length_m))
            direction = 1 if rng.random() < 0.5 else -1
            self.buses.append(
                _Bus(
                    line,
                    peak_only=bool(rng.random() < 1 / 3),
                    s_m=s_m,
                    direction=direction,
                    stop=self._next_stop(line, s_m, direction),
                    odometer_m=KM_PER_YEAR
                    * years_in_service(ctx.start_s, float(rng.uniform(2010.0, 2024.0)))
                    * 1000.0,
                )
            )
        self._rng = ctx.rng("transit:run")

    @staticmethod
    def _next_stop(line: BusLine, s_m: float, direction: int) -> int:
        stops = line.stop_s
        if direction > 0:
            return next((i for i, s in enumerate(stops) if s > s_m), len(stops) - 1)
        return next((i for i in range(len(stops) - 1, -1, -1) if stops[i] < s_m), 0)

    def in_service(self, bus: _Bus, t_s: float) -> bool:
        hour = local_hour(t_s)
        if bus.peak_only:
            return is_weekday(t_s) and (6.5 <= hour < 9.5 or 16.0 <= hour < 19.5)
        opens = 5.5 if is_weekday(t_s) else 7.0
        return hour >= opens or hour < 0.5

    # -- motion ---------------------------------------------------------------------------

    def _depart(self, bus: _Bus, t_s: float) -> None:
        """Leave the stop (or the light) for the next halt."""
        line = bus.line
        if bus.mode != SIGNAL:
            bus.stop = self._next_stop(line, bus.s_m, bus.direction)
        target = line.stop_s[bus.stop]
        gap = abs(target - bus.s_m)
        signal = gap > 150.0 and self._rng.random() < SIGNAL_CHANCE
        bus.halt_is_signal = bus.mode != SIGNAL and signal
        bus.halt_s = (
            bus.s_m + bus.direction * gap * float(self._rng.uniform(0.3, 0.8))
            if bus.halt_is_signal
            else target
        )
        bus.speed_mps = float(self._rng.uniform(20.0, 32.0)) / 3.6 * congestion(t_s)
        bus.mode = DRIVE

    def _turn_round(self, bus: _Bus) -> None:
        """At a terminus: the next trip goes the other way (its first stop is next)."""
        bus.s_m = bus.line.stop_s[bus.stop]
        bus.direction = -1 if bus.stop > 0 else 1
        bus.stop = self._next_stop(bus.line, bus.s_m, bus.direction)

    def _arrive(self, bus: _Bus, t_s: float) -> None:
        line = bus.line
        if bus.halt_is_signal:
            bus.mode, bus.remaining_s = SIGNAL, float(self._rng.uniform(5.0, 45.0))
            return
        terminus = bus.stop in (0, len(line.stop_s) - 1)
        if terminus:
            self._turn_round(bus)
            if self.in_service(bus, t_s):
                bus.mode, bus.remaining_s = LAYOVER, float(self._rng.uniform(180.0, 480.0))
            else:
                bus.mode = PARKED
            return
        dwell = float(self._rng.lognormal(3.0, 0.5))  # median 20 s
        bus.mode, bus.remaining_s = DWELL, min(max(dwell, 8.0), 90.0)

    def _advance(self, bus: _Bus, t_s: float) -> None:
        """Move the bus from its last state to `t_s`."""
        now = bus.last_s
        while now < t_s - 1e-9 and not bus.broken:
            left = t_s - now
            if bus.mode == PARKED:
                if not self.in_service(bus, now):
                    break
                bus.mode, bus.remaining_s = LAYOVER, float(self._rng.uniform(0.0, 300.0))
            if bus.mode in (DWELL, SIGNAL, LAYOVER):
                used = min(left, bus.remaining_s)
                bus.remaining_s -= used
                now += used
                if bus.remaining_s <= 1e-9:
                    self._depart(bus, now)
                continue
            gap = abs(bus.halt_s - bus.s_m)
            needed = gap / bus.speed_mps
            if needed <= left:
                bus.s_m = bus.halt_s
                bus.odometer_m += gap
                now += needed
                self._arrive(bus, now)
            else:
                bus.s_m += bus.direction * bus.speed_mps * left
                bus.odometer_m += bus.speed_mps * left
                now = t_s
        bus.last_s = t_s

    # -- reports ---------------------------------------------------------------------------

    def start(self, t0_s: float) -> None:
        for bus in self.buses:
            bus.last_s = t0_s
            if self.in_service(bus, t0_s):
                self._depart(bus, t0_s)
            else:
                bus.stop = len(bus.line.stop_s) - 1 if bus.direction > 0 else 0
                self._turn_round(bus)
                bus.mode = PARKED
        for k in range(len(self.buses)):
            self._report(t0_s, k)
        for k, t_s in enumerate(self.ctx.phases("transit", len(self.buses), BUS_INTERVAL_S)):
            self.ctx.scheduler.at(t_s, self._tick, k)

    def _tick(self, t_s: float, k: int) -> None:
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + BUS_INTERVAL_S, self._tick, k)

    def _report(self, t_s: float, k: int) -> None:
        bus = self.buses[k]
        self._advance(bus, t_s)
        x, y, bearing = bus.line.path.at(bus.s_m)
        moving = bus.mode == DRIVE and not bus.broken
        if moving:
            bus.heading_deg = bearing if bus.direction > 0 else (bearing + 180.0) % 360.0
        noise = self._rng.normal(0.0, GPS_SIGMA_M, 2)
        lon, lat = self.frame.to_lonlat(x + float(noise[0]), y + float(noise[1]))
        speed = bus.speed_mps * 3.6 * float(self._rng.uniform(0.9, 1.05)) if moving else 0.0
        self.ctx.outbox.emit(
            self.ids[k],
            t_s,
            {
                "lon": rounded(lon, 6),
                "lat": rounded(lat, 6),
                "speed_kmh": rounded(min(speed, 150.0), 1),
                "heading_deg": rounded(bus.heading_deg, 1),
                "odometer_km": rounded(bus.odometer_m / 1000.0, 3),
                "door_open": bus.mode == DWELL and not bus.broken,
                # Out of service a bus announces no next stop (docs/protocol.md).
                "next_stop": "" if bus.mode == PARKED else bus.line.stop_names[bus.stop],
            },
        )

    def finish(self, t_s: float) -> None:
        for k in range(len(self.buses)):
            self._report(t_s, k)

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        for k, bus in enumerate(self.buses):
            self._advance(bus, t_s)
            yield self.ids[k], "odometer_km", bus.odometer_m / 1000.0

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        if asset_id not in self.index:
            return None
        return unsupported(BUS, command)

    # -- faults ----------------------------------------------------------------------------

    def fault_assets(self, kind: str) -> Sequence[str]:
        return self.ids if kind == "bus_breakdown" else ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        bus = self.buses[index]
        self._advance(bus, t_s)
        if bus.broken or bus.mode == PARKED or not self.in_service(bus, t_s):
            return None
        bus.broken = True
        return Affected(t_s, detail={"line": bus.line.ref})

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        bus = self.buses[index]
        self._advance(bus, t_s)  # broken: stands still until now
        bus.broken = False
