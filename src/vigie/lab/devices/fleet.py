"""Municipal service vehicles: parked at their base (where the registry has them) outside
working hours; on weekdays most go out for a morning (from 07:30) and an afternoon (from
13:30) round of 1-3 jobs each, driving through the street grid, parking with the ignition
off at each job (doors open as the crew gets out), then back to base. A position every
15 seconds, parked or not."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.fleet.metrics import VEHICLE_INTERVAL_S
from vigie.domains.lighting.assets import STREETLIGHT
from vigie.domains.transit.gtfs.paths import Polyline
from vigie.lab.devices.base import (
    Affected,
    Command,
    Outcome,
    SimContext,
    rounded,
    unsupported,
    years_in_service,
)
from vigie.lab.devices.calendar import is_weekday, next_local
from vigie.lab.devices.traffic_curve import congestion
from vigie.registry.snapshot import Frame, RegistrySnapshot

VEHICLE = FLEET_VEHICLE
SESSIONS_H = (7.5, 13.5)
OUT_CHANCE = 0.8
JOB_RADIUS_M = (800.0, 6_000.0)
DOOR_OPEN_S = 60.0
PARKED, DRIVE, WORK = "parked", "drive", "work"
KM_PER_YEAR = 12_000.0  # a municipal service vehicle


def street_path(start: tuple[float, float], end: tuple[float, float]) -> Polyline:
    """A drive through a street grid: along x, then along y (an L, never a diagonal)."""
    corner = (end[0], start[1])
    points = [start]
    if math.dist(start, corner) > 1.0 and math.dist(corner, end) > 1.0:
        points.append(corner)
    points.append(end)
    if len(points) == 2 and math.dist(start, end) < 1.0:
        points = [start, (end[0] + 1.0, end[1])]
    return Polyline(np.array(points, dtype=np.float64))


@dataclass
class _Vehicle:
    home: tuple[float, float]
    xy: tuple[float, float]
    odometer_m: float
    legs: list[tuple[str, tuple[float, float], float]] = field(default_factory=list)
    mode: str = PARKED
    path: Polyline | None = None
    s_m: float = 0.0
    speed_mps: float = 0.0
    remaining_s: float = 0.0
    heading_deg: float = 0.0
    door_until_s: float = 0.0
    last_s: float = 0.0


class Fleet:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        vehicles = twin.of_type(VEHICLE)
        self.ids = [v.id for v in vehicles]
        self.index = {asset_id: k for k, asset_id in enumerate(self.ids)}
        self.frame = Frame(twin.ref_lat)
        rng = ctx.rng("fleet:init")
        lights = twin.of_type(STREETLIGHT)
        sample = (
            rng.choice(len(lights), size=min(len(lights), 5_000), replace=False)
            if lights
            else np.array([], dtype=np.int64)
        )
        self.destinations = np.array(
            [self.frame.to_xy(lights[int(i)].lon, lights[int(i)].lat) for i in sample],
            dtype=np.float64,
        ).reshape(-1, 2)
        self.vehicles = [
            _Vehicle(
                home=self.frame.to_xy(v.lon, v.lat),
                xy=self.frame.to_xy(v.lon, v.lat),
                odometer_m=KM_PER_YEAR
                * years_in_service(ctx.start_s, float(rng.uniform(2012.0, 2024.0)))
                * 1000.0,
                heading_deg=float(rng.uniform(0.0, 360.0)),
            )
            for v in vehicles
        ]
        self._rng = ctx.rng("fleet:run")

    # -- the day's work ------------------------------------------------------------------

    def _destination(self, home: tuple[float, float]) -> tuple[float, float]:
        if len(self.destinations):
            distance = np.hypot(*(self.destinations - np.array(home)).T)
            near = np.flatnonzero((distance >= JOB_RADIUS_M[0]) & (distance <= JOB_RADIUS_M[1]))
            if len(near):
                x, y = self.destinations[int(near[int(self._rng.integers(len(near)))])]
                return float(x), float(y)
        angle = float(self._rng.uniform(0.0, 2 * math.pi))
        reach = float(self._rng.uniform(*JOB_RADIUS_M))
        return home[0] + reach * math.cos(angle), home[1] + reach * math.sin(angle)

    def _session(self, t_s: float, k: int) -> None:
        """A work session starts: plan a round of jobs (if the vehicle is free and goes out)."""
        vehicle = self.vehicles[k]
        self._advance(vehicle, t_s)
        if is_weekday(t_s) and vehicle.mode == PARKED and self._rng.random() < OUT_CHANCE:
            for _ in range(int(self._rng.integers(1, 4))):
                vehicle.legs.append(("drive", self._destination(vehicle.home), 0.0))
                vehicle.legs.append(("work", vehicle.home, float(self._rng.uniform(1200, 5400))))
            vehicle.legs.append(("drive", vehicle.home, 0.0))
            self._next_leg(vehicle, t_s)
        self.ctx.scheduler.at(min(next_local(t_s, h) for h in SESSIONS_H), self._session, k)

    def _next_leg(self, vehicle: _Vehicle, t_s: float) -> None:
        if not vehicle.legs:
            vehicle.mode, vehicle.path = PARKED, None
            return
        kind, target, duration_s = vehicle.legs.pop(0)
        if kind == "work":
            vehicle.mode, vehicle.remaining_s = WORK, duration_s
            return
        vehicle.path = street_path(vehicle.xy, target)
        vehicle.s_m = 0.0
        vehicle.speed_mps = float(self._rng.uniform(25.0, 40.0)) / 3.6 * congestion(t_s)
        vehicle.mode = DRIVE

    def _advance(self, vehicle: _Vehicle, t_s: float) -> None:
        now = vehicle.last_s
        while now < t_s - 1e-9 and vehicle.mode != PARKED:
            left = t_s - now
            if vehicle.mode == WORK:
                used = min(left, vehicle.remaining_s)
                vehicle.remaining_s -= used
                now += used
                if vehicle.remaining_s <= 1e-9:
                    self._next_leg(vehicle, now)
                continue
            path = vehicle.path
            assert path is not None
            needed = (path.length_m - vehicle.s_m) / vehicle.speed_mps
            if needed <= left:
                vehicle.odometer_m += path.length_m - vehicle.s_m
                x, y, _ = path.at(path.length_m)
                vehicle.xy = (x, y)
                now += needed
                vehicle.door_until_s = now + DOOR_OPEN_S
                self._next_leg(vehicle, now)
            else:
                vehicle.s_m += vehicle.speed_mps * left
                vehicle.odometer_m += vehicle.speed_mps * left
                now = t_s
        vehicle.last_s = t_s

    # -- reports ---------------------------------------------------------------------------

    def start(self, t0_s: float) -> None:
        for k, vehicle in enumerate(self.vehicles):
            vehicle.last_s = t0_s
            self._report(t0_s, k)
            first = min(next_local(t0_s, h) for h in SESSIONS_H)
            self.ctx.scheduler.at(first, self._session, k)
        for k, t_s in enumerate(self.ctx.phases("fleet", len(self.ids), VEHICLE_INTERVAL_S)):
            self.ctx.scheduler.at(t_s, self._tick, k)

    def _tick(self, t_s: float, k: int) -> None:
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + VEHICLE_INTERVAL_S, self._tick, k)

    def _report(self, t_s: float, k: int) -> None:
        vehicle = self.vehicles[k]
        self._advance(vehicle, t_s)
        driving = vehicle.mode == DRIVE and vehicle.path is not None
        if driving and vehicle.path is not None:
            x, y, vehicle.heading_deg = vehicle.path.at(vehicle.s_m)
        else:
            x, y = vehicle.xy
        lon, lat = self.frame.to_lonlat(x, y)
        speed = vehicle.speed_mps * 3.6 * float(self._rng.uniform(0.85, 1.1)) if driving else 0.0
        self.ctx.outbox.emit(
            self.ids[k],
            t_s,
            {
                "lon": rounded(lon, 6),
                "lat": rounded(lat, 6),
                "speed_kmh": rounded(min(speed, 150.0), 1),
                "heading_deg": rounded(vehicle.heading_deg, 1),
                "odometer_km": rounded(vehicle.odometer_m / 1000.0, 3),
                "door_open": t_s < vehicle.door_until_s,
                "ignition_on": driving,
            },
        )

    def finish(self, t_s: float) -> None:
        for k in range(len(self.vehicles)):
            self._report(t_s, k)

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        for k, vehicle in enumerate(self.vehicles):
            self._advance(vehicle, t_s)
            yield self.ids[k], "odometer_km", vehicle.odometer_m / 1000.0

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        if asset_id not in self.index:
            return None
        return unsupported(VEHICLE, command)

    def fault_assets(self, kind: str) -> Sequence[str]:
        return ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        return None

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        """No fleet faults are injected."""
