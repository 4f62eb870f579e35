"""`GET /api/v1/map/assets`: every asset the caller may see, in the compact form the map loads.

The GeoJSON of `/api/v1/assets` carries each asset's attributes and links: 18 MB and about two
seconds for the Dijon twin. The map needs far less to draw and colour 35,000 points, so this
answer is columnar (one array per field, types and municipalities as small integers):

    {"count": 35606, "types": ["Bollard", …], "municipalities": ["21003", …],
     "id": [...], "name": [...], "type": [0, …], "municipality": [3, …], "status": [...],
     "lon": [...], "lat": [...], "feeder": [-1 | index into feeders, …],
     "baseline_w": [null | W, …], "lines": {"<index>": [[lon, lat], …]},
     "feeders": [["urn:…Feeder…", "urn:…Cabinet…"], …]}

It carries an ETag (the scope, the number of assets and the last change), is sent gzipped to
clients that accept it, and is kept encoded in memory per ETag (a few entries).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from starlette.responses import Response

from vigie.api.dependencies import ReadConnection, require
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission, Role
from vigie.store.schema import asset_links, asset_parts, assets

router = APIRouter(prefix="/api/v1/map", tags=["map"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]

#: Smaller answers are not worth compressing.
GZIP_FROM_BYTES = 4_096
#: Encoded answers kept per ETag (a scope at a registry version): plain and gzipped.
CACHE_ENTRIES = 16
_cache: dict[str, tuple[bytes, bytes | None]] = {}
_cache_lock = threading.Lock()


def _scoped(query: Any, principal: Principal) -> Any:
    """Within the caller's municipalities; retired assets are no longer on the ground."""
    query = query.where(assets.c.status != "retired")
    if principal.municipalities is None:
        return query
    return query.where(assets.c.municipality_code.in_(sorted(principal.municipalities)))


def _version(conn: Connection, principal: Principal) -> str:
    count, last = conn.execute(
        _scoped(select(func.count(), func.max(assets.c.updated_at)), principal)
    ).one()
    scope = ",".join(sorted(principal.municipalities or ())) or "*"
    digest = hashlib.sha256(f"{scope}|{count}|{last}".encode()).hexdigest()[:24]
    return f'"{digest}"'


def map_layer(conn: Connection, principal: Principal) -> dict[str, Any]:
    """The columnar description of the caller's assets (see the module docstring)."""
    rows = conn.execute(
        _scoped(
            select(
                assets.c.id,
                assets.c.name,
                assets.c.type,
                assets.c.municipality_code,
                assets.c.status,
                assets.c.lon,
                assets.c.lat,
                assets.c.geometry,
                assets.c.attributes["baseline_power_w"].as_float(),
            ),
            principal,
        ).order_by(assets.c.id)
    ).all()
    feeder_cabinet = dict(
        conn.execute(
            select(asset_parts.c.id, asset_parts.c.asset_id).where(asset_parts.c.kind == "feeder")
        ).all()
    )
    fed_by = dict(
        conn.execute(
            select(asset_links.c.asset_id, asset_links.c.target_id).where(
                asset_links.c.relation == "fed_by"
            )
        ).all()
    )
    types: dict[str, int] = {}
    municipalities: dict[str, int] = {}
    feeders: dict[str, int] = {}
    body: dict[str, Any] = {
        key: []
        for key in (
            "id",
            "name",
            "type",
            "municipality",
            "status",
            "lon",
            "lat",
            "feeder",
            "baseline_w",
        )
    }
    lines: dict[str, Any] = {}
    for index, row in enumerate(rows):
        body["id"].append(row.id)
        body["name"].append(row.name)
        body["type"].append(types.setdefault(row.type, len(types)))
        body["municipality"].append(
            municipalities.setdefault(row.municipality_code, len(municipalities))
        )
        body["status"].append(row.status)
        body["lon"].append(round(row.lon, 7))
        body["lat"].append(round(row.lat, 7))
        feeder = fed_by.get(row.id)
        body["feeder"].append(-1 if feeder is None else feeders.setdefault(feeder, len(feeders)))
        body["baseline_w"].append(row[8])
        geometry = row.geometry
        if geometry and geometry.get("type") == "LineString":
            lines[str(index)] = geometry["coordinates"]
    body["count"] = len(rows)
    body["types"] = list(types)
    body["municipalities"] = list(municipalities)
    body["lines"] = lines
    body["feeders"] = [[feeder, feeder_cabinet.get(feeder)] for feeder in feeders]
    return body


def _encoded(conn: Connection, principal: Principal, etag: str) -> tuple[bytes, bytes | None]:
    encoded = _cache.get(etag)
    if encoded is None:
        plain = msgspec.json.encode(map_layer(conn, principal))
        packed = gzip.compress(plain, compresslevel=1) if len(plain) >= GZIP_FROM_BYTES else None
        encoded = (plain, packed)
        with _cache_lock:
            _cache[etag] = encoded
            while len(_cache) > CACHE_ENTRIES:
                _cache.pop(next(iter(_cache)))
    return encoded


#: Who the layer is prepared for before anyone asks: the whole metropolis (operators).
_EVERYWHERE = Principal(user_id=0, username="map warm-up", role=Role.VIEWER, municipalities=None)
_warming = threading.Lock()


def prepare_full_layer(engine: Engine) -> None:
    """Encode the whole metropolis's layer ahead of its first request (the login page calls
    this in the background: by the time the map asks, it is ready)."""
    if not _warming.acquire(blocking=False):
        return
    try:
        with engine.connect() as conn:
            _encoded(conn, _EVERYWHERE, _version(conn, _EVERYWHERE))
    finally:
        _warming.release()


@router.get("/assets", summary="Every visible asset, columnar, for the map")
def map_assets(request: Request, conn: ReadConnection, principal: Reader) -> Response:
    etag = _version(conn, principal)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    plain, packed = _encoded(conn, principal, etag)
    if packed is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/json", headers=headers)
    return Response(plain, media_type="application/json", headers=headers)
