"""Reading the registry: lists with filters and cursors (JSON or GeoJSON), one asset, its trail."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from vigie.api.asset_views import asset_feature, asset_json
from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.dependencies import ReadConnection, ensure_in_scope, require
from vigie.api.problems import ProblemError
from vigie.api.query_params import parse_bbox, parse_near, split_list
from vigie.audit.log import entries_for
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.assets import AssetFilter, get_asset, query_assets
from vigie.registry.lifecycle import LifecycleStatus

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])

Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
MAX_PAGE = 50_000
GEOJSON_MEDIA_TYPE = "application/geo+json"


def _check_values(values: tuple[str, ...] | None, allowed: set[str], name: str) -> None:
    unknown = sorted(set(values or ()) - allowed)
    if unknown:
        raise ProblemError(
            400,
            f"unknown {name}: {', '.join(unknown)}; one of {', '.join(sorted(allowed))}",
            kind="bad-filter",
            parameter=name,
        )


@router.get("", summary="List assets", response_description="A page of assets")
def list_assets(
    conn: ReadConnection,
    principal: Reader,
    type: Annotated[
        list[str] | None, Query(description="Asset type(s), comma-separated or repeated")
    ] = None,
    municipality: Annotated[list[str] | None, Query(description="INSEE code(s)")] = None,
    status: Annotated[list[str] | None, Query(description="Lifecycle status(es)")] = None,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat (WGS84)")
    ] = None,
    near: Annotated[str | None, Query(description="lon,lat; needs radius_m")] = None,
    radius_m: Annotated[float | None, Query(description="Radius around `near`, metres")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    format: Annotated[Literal["json", "geojson"], Query()] = "json",
) -> Response:
    types = split_list(type)
    _check_values(types, set(ASSET_TYPES), "type")
    statuses = split_list(status)
    _check_values(statuses, {s.value for s in LifecycleStatus}, "status")
    requested = split_list(municipality)
    for code in requested or ():
        ensure_in_scope(principal, code)
    where = AssetFilter(
        types=types,
        municipality_codes=principal.visible_municipalities(requested),
        statuses=statuses,
        bbox=parse_bbox(bbox),
        near=parse_near(near, radius_m),
    )
    after_id = decode_cursor(cursor) if cursor else None
    found = query_assets(conn, where, after_id=after_id, limit=limit + 1)
    page, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(page[-1].id) if more else None
    if format == "geojson":
        collection = {
            "type": "FeatureCollection",
            "features": [asset_feature(a) for a in page],
            "next_cursor": next_cursor,
        }
        return Response(msgspec.json.encode(collection), media_type=GEOJSON_MEDIA_TYPE)
    body = {"items": [asset_json(a) for a in page], "next_cursor": next_cursor}
    return Response(msgspec.json.encode(body), media_type="application/json")


@router.get("/{asset_id}", summary="One asset with its parts and links")
def read_asset(asset_id: str, conn: ReadConnection, principal: Reader) -> Response:
    asset = get_asset(conn, asset_id)
    if asset is None:
        raise ProblemError(404, f"no asset {asset_id}", kind="not-found")
    ensure_in_scope(principal, asset.municipality_code)
    return Response(
        msgspec.json.encode(asset_json(asset, with_parts=True)), media_type="application/json"
    )


@router.get("/{asset_id}/audit", summary="The audit trail of one asset, newest first")
def asset_audit(
    asset_id: str,
    conn: ReadConnection,
    principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    asset = get_asset(conn, asset_id)
    if asset is None:
        raise ProblemError(404, f"no asset {asset_id}", kind="not-found")
    ensure_in_scope(principal, asset.municipality_code)
    entries = entries_for(conn, entity_id=asset_id, limit=limit)
    return Response(msgspec.json.encode({"items": entries}), media_type="application/json")
