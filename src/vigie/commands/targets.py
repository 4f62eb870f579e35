"""Which devices a command goes to, from how the caller described them: a list of assets,
a municipality, a drawn area (polygon), a circle around a point, or a domain's named group
(a domain registers a resolver for its groups: lighting's programme groups)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import shapely
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.commands.model import CommandRefused, Target
from vigie.core import geometry
from vigie.core.geodesy import M_PER_DEG_LAT, distance_m, m_per_deg_lon
from vigie.core.text import Text
from vigie.registry.lifecycle import LifecycleStatus
from vigie.store.schema import assets

MAX_ASSETS = 50_000
#: Devices that are in the field and may answer.
COMMANDABLE = (
    LifecycleStatus.ACTIVE.value,
    LifecycleStatus.MAINTENANCE.value,
    LifecycleStatus.FAULTY.value,
)


class Near(msgspec.Struct, forbid_unknown_fields=True):
    lon: float
    lat: float
    radius_m: float


class TargetSpec(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of these."""

    assets: list[str] | None = None
    municipality: str | None = None
    polygon: list[tuple[float, float]] | None = None
    near: Near | None = None
    group: str | None = None


#: (connection, domain, group id) -> member asset ids, or None for an unknown group.
GroupResolver = Callable[[Connection, str], list[str] | None]
_GROUPS: dict[str, GroupResolver] = {}


def inside(lon: float, lat: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Whether a point is inside a drawn area (planar: fine at city scale)."""
    return geometry.inside(lon, lat, ring)


def register_groups(domain: str, resolver: GroupResolver) -> None:
    _GROUPS[domain] = resolver


def unregister_groups(domain: str) -> None:
    _GROUPS.pop(domain, None)


def describe(spec: TargetSpec) -> dict[str, Any]:
    found: dict[str, Any] = msgspec.to_builtins(spec)
    return {k: v for k, v in found.items() if v is not None}


def resolve(
    conn: Connection,
    domain: str,
    spec: TargetSpec,
    asset_types: Sequence[str],
    area_types: Sequence[str] | None = None,
) -> tuple[Target, ...]:
    """The commandable devices of `asset_types` the spec selects; CommandRefused if the spec
    is ambiguous, names unknown assets or group, or selects nothing."""
    given = [k for k, v in describe(spec).items()]
    if len(given) != 1:
        raise CommandRefused(
            [
                Text(
                    "target: give exactly one of assets, municipality, polygon, near, group",
                    "cible : donnez exactement un de assets, municipality, polygon, near, group",
                )
            ]
        )
    types = asset_types if spec.assets is not None or area_types is None else area_types
    columns = select(
        assets.c.id, assets.c.type, assets.c.municipality_code, assets.c.lon, assets.c.lat,
        assets.c.attributes, assets.c.status,
    )  # fmt: skip
    query = columns.where(assets.c.type.in_(types), assets.c.status.in_(COMMANDABLE))
    wanted: list[str] | None = None
    if spec.assets is not None:
        if not 0 < len(spec.assets) <= MAX_ASSETS:
            raise CommandRefused(
                [Text(f"target: 1 to {MAX_ASSETS} assets", f"cible : 1 à {MAX_ASSETS} équipements")]
            )
        wanted = spec.assets
    elif spec.group is not None:
        resolver = _GROUPS.get(domain)
        members = resolver(conn, spec.group) if resolver is not None else None
        if members is None:
            raise CommandRefused(
                [
                    Text(
                        f"target: unknown group {spec.group}",
                        f"cible : groupe inconnu {spec.group}",
                    )
                ]
            )
        wanted = members
    elif spec.municipality is not None:
        query = query.where(assets.c.municipality_code == spec.municipality)
    elif spec.polygon is not None:
        ring = spec.polygon
        if len(ring) < 3:
            raise CommandRefused(
                [
                    Text(
                        "target: a polygon has at least 3 vertices",
                        "cible : un polygone a au moins 3 sommets",
                    )
                ]
            )
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        query = query.where(
            assets.c.lon.between(min(lons), max(lons)), assets.c.lat.between(min(lats), max(lats))
        )
    elif spec.near is not None:
        near = spec.near
        if not 0 < near.radius_m <= 20_000 or not -90 < near.lat < 90:
            raise CommandRefused(
                [
                    Text(
                        "target: radius_m must be above 0 and at most 20000",
                        "cible : radius_m doit être au-dessus de 0 et d'au plus 20000",
                    )
                ]
            )
        dlon = near.radius_m / m_per_deg_lon(near.lat)
        dlat = near.radius_m / M_PER_DEG_LAT
        query = query.where(
            assets.c.lon.between(near.lon - dlon, near.lon + dlon),
            assets.c.lat.between(near.lat - dlat, near.lat + dlat),
        )
    rows: list[Any] = []
    if wanted is not None:
        chunk = 5_000
        for start in range(0, len(wanted), chunk):
            # By id alone, type and status checked here: with both in the WHERE clause, SQLite
            # (no statistics) scanned every light by the type index for ten ids or more.
            found = conn.execute(columns.where(assets.c.id.in_(wanted[start : start + chunk])))
            rows.extend(r for r in found if r.type in types and r.status in COMMANDABLE)
        missing = sorted(set(wanted) - {row.id for row in rows})
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            )
            raise CommandRefused(
                [
                    Text(
                        f"target: not commandable {'/'.join(asset_types)} devices: {shown}",
                        f"cible : pas des équipements {'/'.join(asset_types)} commandables : "
                        f"{shown}",
                    )
                ]
            )
    else:
        rows = list(conn.execute(query))
    if spec.polygon is not None:
        shape = geometry.area(spec.polygon)
        rows = [r for r in rows if shapely.contains_xy(shape, r.lon, r.lat)]
    if spec.near is not None:
        near = spec.near
        rows = [r for r in rows if distance_m(near.lon, near.lat, r.lon, r.lat) <= near.radius_m]
    if not rows:
        raise CommandRefused([Text("target: selects no device", "cible : aucun équipement choisi")])
    rows.sort(key=lambda r: r.id)
    return tuple(Target(r.id, r.type, r.municipality_code, dict(r.attributes)) for r in rows)
