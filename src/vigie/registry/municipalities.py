"""Municipalities: the reference list, their approximate boundaries, and their store queries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import numpy as np
from shapely import Point, Polygon, box, unary_union
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.registry.dijon_metropole import DIJON_METROPOLE, Commune
from vigie.store.schema import municipalities


class Municipality(msgspec.Struct, frozen=True):
    code: str
    name: str
    lon: float
    lat: float
    area_km2: float
    population: int
    boundary: dict[str, Any] | None = None


def approximate_boundaries(
    communes: Sequence[Commune], cell_m: float = 250.0
) -> dict[str, dict[str, Any]]:
    """A GeoJSON polygon per commune, from a multiplicatively weighted Voronoi partition.

    Real boundaries are not shipped. Each cell of a `cell_m` grid goes to the commune whose
    centroid is nearest relative to the commune's size (distance / sqrt(area)), within a disk
    of 1.4 times the commune's equivalent radius; the result does not overlap, keeps Dijon
    large and its suburbs around it, and is what the city generator lays streets in.
    """
    ref_lat = sum(c.lat for c in communes) / len(communes)
    kx, ky = m_per_deg_lon(ref_lat), M_PER_DEG_LAT
    xs = np.array([c.lon * kx for c in communes])
    ys = np.array([c.lat * ky for c in communes])
    radii = np.sqrt(np.array([c.area_km2 for c in communes]) * 1e6 / math.pi)
    reach = radii * 1.4
    gx = np.arange(xs.min() - reach.max(), xs.max() + reach.max(), cell_m)
    gy = np.arange(ys.min() - reach.max(), ys.max() + reach.max(), cell_m)
    grid_x, grid_y = np.meshgrid(gx + cell_m / 2, gy + cell_m / 2)
    distance = np.hypot(grid_x[..., None] - xs, grid_y[..., None] - ys)
    weighted = np.where(distance <= reach, distance / radii, np.inf)
    owner = np.argmin(weighted, axis=-1)
    owned = np.isfinite(np.min(weighted, axis=-1))
    result: dict[str, dict[str, Any]] = {}
    for index, commune in enumerate(communes):
        rows, cols = np.nonzero(owned & (owner == index))
        cells = [
            box(gx[c], gy[r], gx[c] + cell_m, gy[r] + cell_m)
            for r, c in zip(rows, cols, strict=True)
        ]
        merged = unary_union(cells)
        if not isinstance(merged, Polygon):
            merged = max(merged.geoms, key=lambda g: g.area)
        outline = Polygon(merged.exterior.coords).simplify(cell_m * 0.75)
        lonlat = Polygon([(x / kx, y / ky) for x, y in outline.exterior.coords])
        result[commune.code] = _plain(mapping(lonlat))
    return result


def _plain(geometry: Any) -> dict[str, Any]:
    """Shapely's mapping() uses tuples; the store and the API want JSON lists."""
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(geometry))
    return decoded


def reference_municipalities() -> list[Municipality]:
    boundaries = approximate_boundaries(DIJON_METROPOLE)
    return [
        Municipality(c.code, c.name, c.lon, c.lat, c.area_km2, c.population, boundaries[c.code])
        for c in DIJON_METROPOLE
    ]


def seed_reference_municipalities(conn: Connection) -> int:
    """Insert the communes of Dijon Métropole that the store does not hold yet."""
    known = set(conn.scalars(select(municipalities.c.code)))
    missing = [m for m in reference_municipalities() if m.code not in known]
    if missing:
        conn.execute(municipalities.insert(), [msgspec.structs.asdict(m) for m in missing])
    return len(missing)


def add_municipality(conn: Connection, municipality: Municipality) -> None:
    conn.execute(municipalities.insert().values(**msgspec.structs.asdict(municipality)))


def list_municipalities(conn: Connection, codes: Iterable[str] | None = None) -> list[Municipality]:
    query = select(municipalities).order_by(municipalities.c.name)
    if codes is not None:
        query = query.where(municipalities.c.code.in_(list(codes)))
    return [Municipality(**row._mapping) for row in conn.execute(query)]


def get_municipality(conn: Connection, code: str) -> Municipality | None:
    row = conn.execute(select(municipalities).where(municipalities.c.code == code)).first()
    return Municipality(**row._mapping) if row else None


def municipality_containing(
    candidates: Sequence[Municipality], lon: float, lat: float
) -> Municipality | None:
    """The municipality whose boundary holds the point, else the nearest centroid within 5 km."""
    point = Point(lon, lat)
    for municipality in candidates:
        if municipality.boundary and shape(municipality.boundary).contains(point):
            return municipality
    best: tuple[float, Municipality] | None = None
    for municipality in candidates:
        dx = (municipality.lon - lon) * m_per_deg_lon(lat)
        dy = (municipality.lat - lat) * M_PER_DEG_LAT
        distance_m = math.hypot(dx, dy)
        if distance_m <= 5_000 and (best is None or distance_m < best[0]):
            best = (distance_m, municipality)
    return best[1] if best else None
