"""Writing the registry: create, update and retire assets, each change audited."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.asset_views import asset_json, audit_snapshot
from vigie.api.dependencies import CurrentClock, StoreEngine, ensure_in_scope, require
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.audit.log import AuditEntry, record
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.registry.asset_types import asset_type
from vigie.registry.assets import (
    Asset,
    dependents_of,
    get_asset,
    kinds_of,
    replace_asset,
    set_status,
)
from vigie.registry.batch import BatchInvalid, create_assets
from vigie.registry.lifecycle import LifecycleStatus, can_move
from vigie.registry.validation import AssetInput, AssetInvalid, validate_asset
from vigie.store.schema import municipalities

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])

_UNSET: Any = msgspec.UNSET
T = TypeVar("T")


class AssetPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change; attributes are merged key by key (null restores a default)."""

    name: str | msgspec.UnsetType = _UNSET
    status: str | msgspec.UnsetType = _UNSET
    municipality_code: str | msgspec.UnsetType = _UNSET
    lon: float | msgspec.UnsetType = _UNSET
    lat: float | msgspec.UnsetType = _UNSET
    geometry: dict[str, Any] | msgspec.UnsetType = _UNSET
    attributes: dict[str, Any] | msgspec.UnsetType = _UNSET
    links: list[dict[str, str]] | msgspec.UnsetType = _UNSET


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _invalid(problems: list[dict[str, Any]]) -> ProblemError:
    detail = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
    return ProblemError(422, detail, kind="invalid-asset", title="Invalid asset", errors=problems)


@router.post(
    "",
    status_code=201,
    summary="Register an asset",
    openapi_extra=openapi_body(AssetInput),
)
async def create_asset(
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Annotated[Principal, Depends(require(Permission.ASSETS_CREATE))],
) -> Response:
    raw = await decode_body(request, AssetInput)
    ensure_in_scope(principal, raw.municipality_code)

    def write() -> Asset:
        with engine.begin() as conn:
            try:
                (created,) = create_assets(conn, [(1, raw)], actor=principal.actor, now=clock.now())
            except BatchInvalid as invalid:
                raise _invalid(
                    [{"field": p.field, "reason": p.reason} for p in invalid.problems]
                ) from None
            stored = get_asset(conn, created.id)
            assert stored is not None
            return stored

    asset = await run_in_threadpool(write)
    return _json(
        asset_json(asset, with_parts=True), 201, {"Location": f"/api/v1/assets/{asset.id}"}
    )


def _load_for_change(conn: Connection, asset_id: str, principal: Principal) -> Asset:
    asset = get_asset(conn, asset_id)
    if asset is None:
        raise ProblemError(404, f"no asset {asset_id}", kind="not-found")
    ensure_in_scope(principal, asset.municipality_code)
    if asset.status == LifecycleStatus.RETIRED:
        raise ProblemError(409, f"{asset_id} is retired and can no longer change", kind="retired")
    return asset


def _given(value: T | msgspec.UnsetType, current: T) -> T:
    return current if isinstance(value, msgspec.UnsetType) else value


def _merged_input(current: Asset, patch: AssetPatch) -> AssetInput:
    attributes = dict(current.attributes)
    for key, value in _given(patch.attributes, {}).items():
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    geometry = _given(patch.geometry, current.geometry)
    moved_point = not isinstance(patch.lon, msgspec.UnsetType) or not isinstance(
        patch.lat, msgspec.UnsetType
    )
    if asset_type(current.type).geometry == "Point" and moved_point:
        geometry = None
    current_links = [{"relation": lk.relation, "target_id": lk.target_id} for lk in current.links]
    return AssetInput(
        id=current.id,
        type=current.type,
        name=_given(patch.name, current.name),
        status=_given(patch.status, current.status),
        municipality_code=_given(patch.municipality_code, current.municipality_code),
        lon=_given(patch.lon, current.lon),
        lat=_given(patch.lat, current.lat),
        geometry=geometry,
        attributes=attributes,
        parts=[msgspec.to_builtins(p) for p in current.parts],
        links=_given(patch.links, current_links),
    )


@router.patch(
    "/{asset_id}",
    summary="Change an asset (name, status, position, attributes, links)",
    openapi_extra=openapi_body(AssetPatch),
)
async def update_asset(
    asset_id: str,
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Annotated[Principal, Depends(require(Permission.ASSETS_UPDATE))],
) -> Response:
    patch = await decode_body(request, AssetPatch)

    def write() -> Asset:
        with engine.begin() as conn:
            current = _load_for_change(conn, asset_id, principal)
            merged = _merged_input(current, patch)
            ensure_in_scope(principal, merged.municipality_code)
            if merged.status == LifecycleStatus.RETIRED:
                raise ProblemError(409, "retire an asset with POST .../retire", kind="use-retire")
            try:
                target = LifecycleStatus(merged.status)
            except ValueError:
                target = None
            if target is not None and not can_move(LifecycleStatus(current.status), target):
                raise ProblemError(
                    409,
                    f"status cannot go from {current.status} to {merged.status}",
                    kind="bad-transition",
                )
            own_ids = {current.id} | {p.id for p in current.parts}
            targets = [str(link.get("target_id", "")) for link in merged.links]
            known_kinds = kinds_of(conn, targets)
            known = set(
                conn.scalars(municipalities.select().with_only_columns(municipalities.c.code))
            )
            try:
                updated = validate_asset(
                    merged,
                    known_municipalities=known,
                    id_exists=lambda some_id: some_id not in own_ids,
                    next_local_id=lambda _t, _m: current.id,
                    kind_of=known_kinds.get,
                )
            except AssetInvalid as invalid:
                raise _invalid(
                    [{"field": p.field, "reason": p.reason} for p in invalid.problems]
                ) from None
            now = clock.now()
            replace_asset(conn, updated, now)
            after = get_asset(conn, asset_id)
            assert after is not None
            record(
                conn,
                [
                    AuditEntry(
                        at=now,
                        actor=principal.actor,
                        action="asset.update",
                        entity_type=current.type,
                        entity_id=asset_id,
                        before=audit_snapshot(current),
                        after=audit_snapshot(after),
                    )
                ],
            )
            return after

    asset = await run_in_threadpool(write)
    return _json(asset_json(asset, with_parts=True))


@router.post("/{asset_id}/retire", summary="Retire an asset (kept for history, never deleted)")
def retire_asset(
    asset_id: str,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Annotated[Principal, Depends(require(Permission.ASSETS_RETIRE))],
) -> Response:
    with engine.begin() as conn:
        current = _load_for_change(conn, asset_id, principal)
        fed = dependents_of(conn, [current.id, *(p.id for p in current.parts)])
        if fed:
            raise ProblemError(
                409,
                f"{len(fed)} asset(s) still depend on {asset_id}; re-link or retire them first",
                kind="has-dependents",
                dependents=fed[:100],
            )
        now = clock.now()
        retired = msgspec.structs.replace(
            current, status=LifecycleStatus.RETIRED.value, updated_at=now
        )
        set_status(conn, asset_id, retired.status, now)
        record(
            conn,
            [
                AuditEntry(
                    at=now,
                    actor=principal.actor,
                    action="asset.retire",
                    entity_type=current.type,
                    entity_id=asset_id,
                    before=audit_snapshot(current),
                    after=audit_snapshot(retired),
                )
            ],
        )
    return _json(asset_json(retired, with_parts=True))
