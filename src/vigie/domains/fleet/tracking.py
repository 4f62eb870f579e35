"""Municipal vehicles live: their status from their last report, the nearest available crew
for a job, and geofences (a depot, a municipality's area) entered and left.

Pure functions over `VehicleState`; the store query that fills them is in `live.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vigie.core import geometry
from vigie.core.geodesy import M_PER_DEG_LAT

#: A vehicle reports every 15 s while it has power; silent this long, it is offline.
OFFLINE_AFTER_S = 600.0
#: Below this a vehicle with its ignition on is standing, not moving (GPS jitter).
MOVING_KMH = 3.0


class Status(StrEnum):
    MOVING = "moving"
    STOPPED = "stopped"  # ignition on, standing (at a job, in traffic)
    PARKED = "parked"  # ignition off
    OFFLINE = "offline"


@dataclass(frozen=True)
class VehicleState:
    id: str
    name: str
    municipality_code: str
    service: str | None
    skills: tuple[str, ...]
    lon: float
    lat: float
    speed_kmh: float | None
    ignition_on: bool | None
    seen_at: datetime

    def status(self, now: datetime) -> Status:
        if (now - self.seen_at).total_seconds() > OFFLINE_AFTER_S:
            return Status.OFFLINE
        if self.ignition_on is False:
            return Status.PARKED
        if self.speed_kmh is not None and self.speed_kmh >= MOVING_KMH:
            return Status.MOVING
        return Status.STOPPED


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: well within a metre of the great circle over a metropolis."""
    mean_lat = math.radians((lat1 + lat2) / 2)
    dx = (lon2 - lon1) * math.cos(mean_lat) * M_PER_DEG_LAT
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    return math.hypot(dx, dy)


@dataclass(frozen=True)
class Candidate:
    vehicle: VehicleState
    status: Status
    distance_m: float


def nearest(
    vehicles: list[VehicleState],
    lon: float,
    lat: float,
    now: datetime,
    skill: str | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """The closest vehicles that can take a job (online, with `skill` if one is asked),
    closest first; ties by id so the answer is stable."""
    found = []
    for vehicle in vehicles:
        status = vehicle.status(now)
        if status is Status.OFFLINE:
            continue
        if skill is not None and skill not in vehicle.skills:
            continue
        found.append(Candidate(vehicle, status, distance_m(lon, lat, vehicle.lon, vehicle.lat)))
    found.sort(key=lambda c: (c.distance_m, c.vehicle.id))
    return found[:limit]


@dataclass(frozen=True)
class Geofence:
    """A circle (`radius_m`) or a polygon (`ring`, lon/lat pairs, closed or not)."""

    id: str
    name: str
    lon: float = 0.0
    lat: float = 0.0
    radius_m: float | None = None
    ring: tuple[tuple[float, float], ...] = ()

    def contains(self, lon: float, lat: float) -> bool:
        if self.radius_m is not None:
            return distance_m(self.lon, self.lat, lon, lat) <= self.radius_m
        return geometry.inside(lon, lat, self.ring)


@dataclass(frozen=True)
class GeofenceEvent:
    vehicle_id: str
    geofence_id: str
    entered: bool  # False: left
    at: datetime


def geofence_events(
    fences: list[Geofence],
    vehicle_id: str,
    before: tuple[float, float] | None,
    after: tuple[float, float],
    at: datetime,
) -> list[GeofenceEvent]:
    """The fences a vehicle entered or left between two positions (none for its first)."""
    if before is None:
        return []
    events = []
    for fence in fences:
        was, now = fence.contains(*before), fence.contains(*after)
        if was != now:
            events.append(GeofenceEvent(vehicle_id, fence.id, now, at))
    return events
