"""The municipal fleet live: where each vehicle is and what it does, the nearest crew for a
job, and a vehicle's trail.

    GET /api/v1/fleet?status=
    GET /api/v1/fleet/nearest?lon=&lat=&skill=&limit=
    GET /api/v1/fleet/{id}/trail?from=&to=&limit=

Vehicles outside the caller's municipalities are neither listed nor offered.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from starlette.responses import Response

from vigie.api.dependencies import CurrentClock, ReadConnection, ensure_in_scope, require
from vigie.api.problems import ProblemError
from vigie.api.telemetry_params import parse_instant
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.fleet.live import fleet_states, trail
from vigie.domains.fleet.tracking import Status, VehicleState, nearest
from vigie.store.schema import assets

router = APIRouter(tags=["fleet"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
MAX_NEAREST = 50
MAX_TRAIL = 10_000


class VehicleView(msgspec.Struct, kw_only=True):
    id: str
    name: str
    municipality: str
    service: str | None
    skills: list[str]
    status: str
    lon: float
    lat: float
    speed_kmh: float | None
    seen_at: datetime


class NearestView(msgspec.Struct, kw_only=True):
    vehicle: VehicleView
    distance_m: float


def _view(vehicle: VehicleState, now: datetime) -> VehicleView:
    return VehicleView(
        id=vehicle.id,
        name=vehicle.name,
        municipality=vehicle.municipality_code,
        service=vehicle.service,
        skills=list(vehicle.skills),
        status=vehicle.status(now).value,
        lon=vehicle.lon,
        lat=vehicle.lat,
        speed_kmh=vehicle.speed_kmh,
        seen_at=vehicle.seen_at,
    )


def _json(value: object) -> Response:
    return Response(msgspec.json.encode(value), media_type="application/json")


def _coordinate(value: float, name: str, bound: float) -> float:
    if not math.isfinite(value) or abs(value) > bound:
        raise ProblemError(
            400, f"{name} must be within ±{bound:g} degrees", kind="bad-filter", parameter=name
        )
    return value


@router.get("/api/v1/fleet", summary="Fleet vehicles with their live status")
def list_fleet(
    principal: Reader,
    conn: ReadConnection,
    clock: CurrentClock,
    status: Annotated[str | None, Query(description="moving, stopped, parked or offline")] = None,
) -> Response:
    if status is not None and status not in {s.value for s in Status}:
        raise ProblemError(400, f"unknown status {status!r}", kind="bad-filter", parameter="status")
    now = clock.now()
    views = [_view(v, now) for v in fleet_states(conn, principal.visible_municipalities(None))]
    return _json({"items": [v for v in views if status is None or v.status == status]})


@router.get("/api/v1/fleet/nearest", summary="The closest available vehicles to a point")
def nearest_vehicles(
    principal: Reader,
    conn: ReadConnection,
    clock: CurrentClock,
    lon: Annotated[float, Query(description="WGS84 longitude of the job")],
    lat: Annotated[float, Query(description="WGS84 latitude of the job")],
    skill: Annotated[str | None, Query(max_length=40, description="Skill the crew needs")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_NEAREST)] = 5,
) -> Response:
    _coordinate(lon, "lon", 180.0)
    _coordinate(lat, "lat", 90.0)
    now = clock.now()
    vehicles = fleet_states(conn, principal.visible_municipalities(None))
    found = nearest(vehicles, lon, lat, now, skill, limit)
    return _json(
        {
            "items": [
                NearestView(vehicle=_view(c.vehicle, now), distance_m=round(c.distance_m, 1))
                for c in found
            ]
        }
    )


@router.get("/api/v1/fleet/{vehicle_id}/trail", summary="A vehicle's reported positions")
def vehicle_trail(
    vehicle_id: str,
    principal: Reader,
    conn: ReadConnection,
    clock: CurrentClock,
    from_text: Annotated[str | None, Query(alias="from")] = None,
    to_text: Annotated[str | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TRAIL)] = 1000,
) -> Response:
    row = conn.execute(
        select(assets.c.municipality_code).where(
            assets.c.id == vehicle_id, assets.c.type == FLEET_VEHICLE
        )
    ).first()
    if row is None:
        raise ProblemError(404, f"no fleet vehicle {vehicle_id}", kind="not-found")
    ensure_in_scope(principal, row.municipality_code)
    until = parse_instant(to_text, "to") or clock.now()
    since = parse_instant(from_text, "from") or until - timedelta(hours=1)
    if since >= until:
        raise ProblemError(400, "from must be before to", kind="bad-time", parameter="from")
    points = trail(conn, vehicle_id, since, until, limit)
    return _json(
        {
            "vehicle": vehicle_id,
            "points": [{"ts": ts, "lon": x, "lat": y} for ts, x, y in points],
        }
    )
