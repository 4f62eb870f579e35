"""Stored fleet geofences (a depot, a works area, a municipality's centre): checked with
every reason a definition is refused, kept in `geofences`, and asked which vehicles are
inside now and which entered or left over a period.

Containment and the entry/exit rule are `tracking.Geofence` and `tracking.geofence_events`:
this module only feeds them from the store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.fleet.live import fleet_states, same_position, trail
from vigie.domains.fleet.tables import geofences
from vigie.domains.fleet.tracking import Geofence, GeofenceEvent, VehicleState, geofence_events
from vigie.store.schema import assets, municipalities, readings
from vigie.timeseries.retention import raw_retention_days
from vigie.timeseries.sql import hours_of

MIN_RADIUS_M = 1.0
#: Beyond this a "fence" covers the whole metropolis and tells nothing.
MAX_RADIUS_M = 50_000.0
MAX_POLYGON_POINTS = 1_000
MAX_NAME_CHARS = 200
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
#: One vehicle's positions over a period at most (a report every 15 s for 2 days).
MAX_TRAIL_POINTS = 11_520


class GeofenceInvalid(ValueError):
    """A definition refused, with every reason (field, reason), not only the first."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['reason']}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class GeofenceInput:
    """A definition as given: a circle (lon, lat, radius_m) or a polygon (ring), not both."""

    name: str
    municipality_code: str | None = None
    circle: tuple[float, float, float] | None = None  # lon, lat, radius_m
    ring: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class StoredGeofence:
    id: str
    name: str
    municipality_code: str | None
    kind: str  # circle or polygon
    lon: float
    lat: float
    radius_m: float | None
    ring: tuple[tuple[float, float], ...]
    created_at: datetime
    updated_at: datetime
    created_by: str

    @property
    def fence(self) -> Geofence:
        return Geofence(self.id, self.name, self.lon, self.lat, self.radius_m, self.ring)

    def to_json(self) -> dict[str, Any]:
        shape: dict[str, Any] = (
            {"circle": {"lon": self.lon, "lat": self.lat, "radius_m": self.radius_m}}
            if self.kind == "circle"
            else {"polygon": [list(point) for point in self.ring]}
        )
        return {
            "id": self.id,
            "name": self.name,
            "municipality": self.municipality_code,
            "kind": self.kind,
            **shape,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
        }


def _in_range(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180.0 and abs(lat) <= 90.0


def _polygon_problems(ring: tuple[tuple[float, ...], ...]) -> list[dict[str, str]]:
    problems = []
    if len(ring) > MAX_POLYGON_POINTS:
        problems.append(
            {"field": "polygon", "reason": f"at most {MAX_POLYGON_POINTS} points are accepted"}
        )
    for index, point in enumerate(ring):
        if len(point) != 2:
            problems.append({"field": f"polygon[{index}]", "reason": "a point is [lon, lat]"})
        elif not _in_range(*point):
            problems.append(
                {"field": f"polygon[{index}]", "reason": "lon within ±180, lat within ±90"}
            )
    points = _open_ring(ring)
    distinct = len(set(points))
    if distinct < 3:
        problems.append(
            {"field": "polygon", "reason": f"needs at least 3 distinct points, got {distinct}"}
        )
    elif not problems and _area(points) == 0.0:
        problems.append({"field": "polygon", "reason": "its points are aligned: it has no area"})
    return problems


def _open_ring(ring: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, float], ...]:
    """The vertices without the closing repeat of the first (GeoJSON rings are closed)."""
    points = tuple((p[0], p[1]) for p in ring if len(p) == 2)
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    return points


def _area(points: tuple[tuple[float, float], ...]) -> float:
    """Shoelace area in square degrees: only its being zero matters here."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def validate(conn: Connection, geofence_id: str, given: GeofenceInput) -> list[dict[str, str]]:
    """Every reason the definition is refused; empty when it is accepted."""
    problems = []
    if not _ID.match(geofence_id):
        problems.append(
            {"field": "id", "reason": "1 to 80 letters, digits, '.', '_' or '-', not first"}
        )
    name = given.name.strip()
    if not name:
        problems.append({"field": "name", "reason": "must not be empty"})
    elif len(name) > MAX_NAME_CHARS:
        problems.append({"field": "name", "reason": f"at most {MAX_NAME_CHARS} characters"})
    if given.municipality_code is not None:
        known = conn.execute(
            select(municipalities.c.code).where(municipalities.c.code == given.municipality_code)
        ).first()
        if known is None:
            problems.append(
                {"field": "municipality", "reason": f"unknown {given.municipality_code!r}"}
            )
    if (given.circle is None) == (given.ring is None):
        problems.append({"field": "circle", "reason": "give a circle or a polygon, not both"})
    if given.circle is not None:
        lon, lat, radius_m = given.circle
        if not _in_range(lon, lat):
            problems.append({"field": "circle", "reason": "lon within ±180, lat within ±90"})
        if not (math.isfinite(radius_m) and MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M):
            problems.append(
                {
                    "field": "circle.radius_m",
                    "reason": f"must be {MIN_RADIUS_M:g} to {MAX_RADIUS_M:g} m, got {radius_m:g}",
                }
            )
    if given.ring is not None:
        problems.extend(_polygon_problems(given.ring))
    return problems


def _from_row(row: Any) -> StoredGeofence:
    ring = tuple((float(p[0]), float(p[1])) for p in row.ring) if row.ring else ()
    return StoredGeofence(
        id=row.id,
        name=row.name,
        municipality_code=row.municipality_code,
        kind=row.kind,
        lon=row.lon,
        lat=row.lat,
        radius_m=row.radius_m,
        ring=ring,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )


def put_geofence(
    conn: Connection, geofence_id: str, given: GeofenceInput, actor: str, now: datetime
) -> tuple[StoredGeofence | None, StoredGeofence]:
    """Create or replace a fence (GeofenceInvalid with every reason); (before, after)."""
    problems = validate(conn, geofence_id, given)
    if problems:
        raise GeofenceInvalid(problems)
    before = get_geofence(conn, geofence_id)
    values: dict[str, Any] = {
        "name": given.name.strip(),
        "municipality_code": given.municipality_code,
        "updated_at": now,
    }
    if given.circle is not None:
        lon, lat, radius_m = given.circle
        values.update(kind="circle", lon=lon, lat=lat, radius_m=radius_m, ring=None)
    else:
        assert given.ring is not None  # validate() demands one of the two
        points = _open_ring(given.ring)
        values.update(
            kind="polygon",
            lon=sum(p[0] for p in points) / len(points),
            lat=sum(p[1] for p in points) / len(points),
            radius_m=None,
            ring=[list(p) for p in points],
        )
    if before is None:
        conn.execute(
            geofences.insert(),
            {"id": geofence_id, "created_at": now, "created_by": actor, **values},
        )
    else:
        conn.execute(geofences.update().where(geofences.c.id == geofence_id).values(**values))
    after = get_geofence(conn, geofence_id)
    assert after is not None
    return before, after


def get_geofence(conn: Connection, geofence_id: str) -> StoredGeofence | None:
    row = conn.execute(select(geofences).where(geofences.c.id == geofence_id)).first()
    return None if row is None else _from_row(row)


def list_geofences(
    conn: Connection, municipalities: Sequence[str] | None = None
) -> list[StoredGeofence]:
    """Every fence, by id; with `municipalities`, theirs and the metropolitan ones."""
    query = select(geofences).order_by(geofences.c.id)
    if municipalities is not None:
        query = query.where(
            geofences.c.municipality_code.in_(list(municipalities))
            | geofences.c.municipality_code.is_(None)
        )
    return [_from_row(row) for row in conn.execute(query)]


def delete_geofence(conn: Connection, geofence_id: str) -> bool:
    """True if there was such a fence."""
    return conn.execute(geofences.delete().where(geofences.c.id == geofence_id)).rowcount > 0


def vehicles_inside(
    conn: Connection, fence: StoredGeofence, municipalities: Sequence[str] | None = None
) -> list[VehicleState]:
    """The vehicles whose last reported position is inside the fence, by id."""
    shape = fence.fence
    return [v for v in fleet_states(conn, municipalities) if shape.contains(v.lon, v.lat)]


def _position_before(
    conn: Connection, vehicle_id: str, before: datetime
) -> tuple[float, float] | None:
    """The last position reported before `before`: whether the vehicle starts the period
    inside decides if its first position in the period is an entry or an exit."""
    lon = readings.alias("lon")
    lat = readings.alias("lat")
    row = None
    # Readings are found hour by hour (the store's key leads with the hour): look back an
    # hour, then a day, then as far as raw readings are kept.
    for lookback in (timedelta(hours=1), timedelta(days=1), timedelta(days=raw_retention_days())):
        hours = hours_of(before - lookback, before)
        row = conn.execute(
            select(lon.c.value, lat.c.value)
            .join(lat, same_position(lon, lat))
            .where(
                lon.c.ts_hour.in_(select(hours.c.h)),
                lon.c.asset_id == vehicle_id,
                lon.c.metric == "lon",
                lon.c.ts >= before - lookback,
                lon.c.ts < before,
            )
            .order_by(lon.c.ts.desc())
            .limit(1)
        ).first()
        if row is not None:
            break
    if row is None or row[0] is None or row[1] is None:
        return None
    return float(row[0]), float(row[1])


def events_in(
    conn: Connection,
    fence: StoredGeofence,
    start: datetime,
    end: datetime,
    municipalities: Sequence[str] | None = None,
) -> list[GeofenceEvent]:
    """Entries and exits of fleet vehicles in [start, end), oldest first (ties by vehicle),
    replayed from each vehicle's trail from its last position before `start`."""
    query = select(assets.c.id).where(assets.c.type == FLEET_VEHICLE)
    if municipalities is not None:
        query = query.where(assets.c.municipality_code.in_(list(municipalities)))
    shape = [fence.fence]
    events: list[GeofenceEvent] = []
    for vehicle_id in conn.scalars(query.order_by(assets.c.id)):
        previous = _position_before(conn, vehicle_id, start)
        for at, lon, lat in trail(conn, vehicle_id, start, end, MAX_TRAIL_POINTS):
            events.extend(geofence_events(shape, vehicle_id, previous, (lon, lat), at))
            previous = (lon, lat)
    events.sort(key=lambda e: (e.at, e.vehicle_id))
    return events
