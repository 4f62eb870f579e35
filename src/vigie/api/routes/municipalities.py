"""The municipalities of the metropolitan area, within the caller's scope."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.dependencies import (
    CurrentClock,
    ReadConnection,
    StoreEngine,
    ensure_in_scope,
    require,
)
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.audit.log import AuditEntry, record
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.registry.municipalities import (
    Municipality,
    add_municipality,
    get_municipality,
    list_municipalities,
)

router = APIRouter(prefix="/api/v1/municipalities", tags=["municipalities"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]


class MunicipalityInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^\d[0-9AB]\d{3}$")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    area_km2: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    population: Annotated[int, msgspec.Meta(ge=0)] = 0
    boundary: dict[str, Any] | None = None


def _view(m: Municipality, with_boundary: bool) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.to_builtins(m)
    if not with_boundary:
        body.pop("boundary")
    return body


@router.get("", summary="List municipalities (those in your scope)")
def list_all(
    conn: ReadConnection,
    principal: Reader,
    with_boundary: bool = False,
    format: Annotated[Literal["json", "geojson"], Query()] = "json",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    after = decode_cursor(cursor) if cursor else ""
    visible = [
        m
        for m in sorted(list_municipalities(conn, principal.municipalities), key=lambda m: m.code)
        if m.code > after
    ]
    page, more = visible[:limit], len(visible) > limit
    next_cursor = encode_cursor(page[-1].code) if more else None
    if format == "geojson":
        features = [
            {
                "type": "Feature",
                "id": m.code,
                "geometry": m.boundary or {"type": "Point", "coordinates": [m.lon, m.lat]},
                "properties": _view(m, with_boundary=False),
            }
            for m in page
        ]
        body: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": features,
            "next_cursor": next_cursor,
        }
        return Response(msgspec.json.encode(body), media_type="application/geo+json")
    body = {"items": [_view(m, with_boundary) for m in page], "next_cursor": next_cursor}
    return Response(msgspec.json.encode(body), media_type="application/json")


@router.get("/{code}", summary="One municipality with its boundary")
def read_one(code: str, conn: ReadConnection, principal: Reader) -> Response:
    municipality = get_municipality(conn, code)
    if municipality is None:
        raise ProblemError(404, f"no municipality {code}", kind="not-found")
    ensure_in_scope(principal, code)
    return Response(msgspec.json.encode(_view(municipality, True)), media_type="application/json")


@router.post(
    "",
    status_code=201,
    summary="Register a municipality",
    openapi_extra=openapi_body(MunicipalityInput),
)
async def create(
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Annotated[Principal, Depends(require(Permission.MUNICIPALITIES_MANAGE))],
) -> Response:
    given = await decode_body(request, MunicipalityInput)
    municipality = Municipality(**msgspec.structs.asdict(given))

    def write() -> None:
        with engine.begin() as conn:
            if get_municipality(conn, given.code) is not None:
                raise ProblemError(409, f"municipality {given.code} exists", kind="exists")
            try:
                add_municipality(conn, municipality)
            except IntegrityError:
                raise ProblemError(
                    409, f"a municipality named {given.name!r} exists", kind="exists"
                ) from None
            record(
                conn,
                [
                    AuditEntry(
                        at=clock.now(),
                        actor=principal.actor,
                        action="municipality.create",
                        entity_type="Municipality",
                        entity_id=given.code,
                        after=_view(municipality, False),
                    )
                ],
            )

    await run_in_threadpool(write)
    return Response(
        msgspec.json.encode(_view(municipality, True)),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/api/v1/municipalities/{given.code}"},
    )
