"""Fleet geofences: define circles and polygons, see which vehicles are inside now, and which
entered or left over a period.

    GET    /api/v1/fleet/geofences
    PUT    /api/v1/fleet/geofences/{id}        (assets.create, audited)
    DELETE /api/v1/fleet/geofences/{id}        (assets.create, audited)
    GET    /api/v1/fleet/geofences/{id}/vehicles
    GET    /api/v1/fleet/geofences/{id}/events?from=&to=

A fence belongs to a municipality or, with none, to the metropolis; a municipal agent
defines and sees only their municipality's fences (and sees the metropolitan ones), and
only their municipality's vehicles in them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.dependencies import (
    CurrentClock,
    ReadConnection,
    StoreEngine,
    ensure_in_scope,
    require,
)
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.api.telemetry_params import parse_instant
from vigie.audit.log import AuditEntry, record
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.domains.fleet import geofences as store
from vigie.domains.fleet.geofences import GeofenceInput, GeofenceInvalid, StoredGeofence

router = APIRouter(prefix="/api/v1/fleet/geofences", tags=["fleet"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
# Fences are fleet inventory a municipality keeps, like the vehicles themselves: whoever may
# register assets may define them (municipal agents within their municipality).
Editor = Annotated[Principal, Depends(require(Permission.ASSETS_CREATE))]
#: A vehicle's trail is replayed for the period: two days keeps an answer to seconds.
MAX_EVENTS_PERIOD = timedelta(days=2)


class CircleBody(msgspec.Struct, forbid_unknown_fields=True):
    lon: float
    lat: float
    radius_m: float


class GeofenceBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    municipality: str | None = None
    circle: CircleBody | None = None
    polygon: list[list[float]] | None = None


def _json(body: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, media_type="application/json")


def _ensure_fence_scope(principal: Principal, municipality_code: str | None) -> None:
    if municipality_code is not None:
        ensure_in_scope(principal, municipality_code)
    elif principal.municipalities is not None:
        raise ProblemError(403, "metropolitan geofences are outside your scope",
                           kind="out-of-scope")  # fmt: skip


def _readable(conn: Connection, geofence_id: str, principal: Principal) -> StoredGeofence:
    fence = store.get_geofence(conn, geofence_id)
    if fence is None:
        raise ProblemError(404, f"no geofence {geofence_id}", kind="not-found")
    if fence.municipality_code is not None:
        ensure_in_scope(principal, fence.municipality_code)
    return fence


def _audit(
    conn: Connection, who: Principal, now: datetime, action: str, geofence_id: str,
    before: StoredGeofence | None, after: StoredGeofence | None,
) -> None:  # fmt: skip
    def snapshot(fence: StoredGeofence | None) -> dict[str, Any] | None:
        # Through msgspec so the datetimes are JSON strings in the audit document.
        return None if fence is None else msgspec.to_builtins(fence.to_json())

    record(conn, [AuditEntry(at=now, actor=who.actor, action=action, entity_type="geofence",
                             entity_id=geofence_id, before=snapshot(before),
                             after=snapshot(after))])  # fmt: skip


@router.get("", summary="Fleet geofences")
def list_geofences(principal: Reader, conn: ReadConnection) -> Response:
    fences = store.list_geofences(conn, principal.visible_municipalities(None))
    return _json({"items": [f.to_json() for f in fences]})


@router.put("/{geofence_id}", summary="Create or replace a geofence",
            openapi_extra=openapi_body(GeofenceBody))  # fmt: skip
async def put_geofence(
    geofence_id: str, request: Request, engine: StoreEngine, clock: CurrentClock, who: Editor
) -> Response:
    body = await decode_body(request, GeofenceBody)
    _ensure_fence_scope(who, body.municipality)
    given = GeofenceInput(
        name=body.name,
        municipality_code=body.municipality,
        circle=None if body.circle is None
        else (body.circle.lon, body.circle.lat, body.circle.radius_m),
        ring=None if body.polygon is None else tuple(tuple(p) for p in body.polygon),
    )  # fmt: skip

    def save() -> tuple[StoredGeofence | None, StoredGeofence]:
        now = clock.now()
        with engine.begin() as conn:
            existing = store.get_geofence(conn, geofence_id)
            if existing is not None:
                # Replacing a fence is changing it where it is: another municipality's fence
                # cannot be taken over by reusing its id.
                _ensure_fence_scope(who, existing.municipality_code)
            before, after = store.put_geofence(conn, geofence_id, given, who.actor, now)
            _audit(conn, who, now, "fleet.geofence.save", geofence_id, before, after)
        return before, after

    try:
        before, after = await run_in_threadpool(save)
    except GeofenceInvalid as error:
        raise ProblemError(422, str(error), kind="invalid-geofence", title="Invalid geofence",
                           errors=error.problems) from None  # fmt: skip
    return _json(after.to_json(), 200 if before is not None else 201)


@router.delete("/{geofence_id}", status_code=204, summary="Delete a geofence")
def delete_geofence(
    geofence_id: str, engine: StoreEngine, clock: CurrentClock, who: Editor
) -> Response:
    now = clock.now()
    with engine.begin() as conn:
        fence = store.get_geofence(conn, geofence_id)
        if fence is None:
            raise ProblemError(404, f"no geofence {geofence_id}", kind="not-found")
        _ensure_fence_scope(who, fence.municipality_code)
        store.delete_geofence(conn, geofence_id)
        _audit(conn, who, now, "fleet.geofence.delete", geofence_id, fence, None)
    return Response(status_code=204)


@router.get("/{geofence_id}/vehicles", summary="Vehicles inside a geofence now")
def vehicles_inside(
    geofence_id: str, principal: Reader, conn: ReadConnection, clock: CurrentClock
) -> Response:
    fence = _readable(conn, geofence_id, principal)
    now = clock.now()
    vehicles = store.vehicles_inside(conn, fence, principal.visible_municipalities(None))
    return _json(
        {
            "geofence": geofence_id,
            "items": [
                {"id": v.id, "name": v.name, "municipality": v.municipality_code,
                 "status": v.status(now).value, "lon": v.lon, "lat": v.lat,
                 "seen_at": v.seen_at}
                for v in vehicles
            ],
        }
    )  # fmt: skip


@router.get("/{geofence_id}/events", summary="Vehicles that entered or left a geofence")
def geofence_events(
    geofence_id: str,
    principal: Reader,
    conn: ReadConnection,
    clock: CurrentClock,
    from_text: Annotated[str | None, Query(alias="from")] = None,
    to_text: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    fence = _readable(conn, geofence_id, principal)
    until = parse_instant(to_text, "to") or clock.now()
    since = parse_instant(from_text, "from") or until - timedelta(hours=1)
    if since >= until:
        raise ProblemError(400, "from must be before to", kind="bad-time", parameter="from")
    if until - since > MAX_EVENTS_PERIOD:
        raise ProblemError(400, "the period is limited to 2 days", kind="bad-time",
                           parameter="from")  # fmt: skip
    events = store.events_in(conn, fence, since, until, principal.visible_municipalities(None))
    return _json(
        {
            "geofence": geofence_id,
            "from": since,
            "to": until,
            "items": [
                {"vehicle": e.vehicle_id, "event": "entered" if e.entered else "left", "at": e.at}
                for e in events
            ],
        }
    )
