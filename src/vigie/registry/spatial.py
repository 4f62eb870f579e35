"""Spatial filters on assets: bounding boxes and radii, as plain arithmetic on the (lon, lat)
index everywhere, or with PostGIS's GiST index where the store has it (migration 0002)."""

from __future__ import annotations

import math

import msgspec
from sqlalchemy import ColumnElement, and_, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TextClause

from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.store.schema import assets


class Bbox(msgspec.Struct, frozen=True):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


class Near(msgspec.Struct, frozen=True):
    lon: float
    lat: float
    radius_m: float

    def bbox(self) -> Bbox:
        dlat = self.radius_m / M_PER_DEG_LAT
        dlon = self.radius_m / (M_PER_DEG_LAT * max(math.cos(math.radians(self.lat)), 1e-6))
        return Bbox(self.lon - dlon, self.lat - dlat, self.lon + dlon, self.lat + dlat)


_POSTGIS_POINTS: dict[str, bool] = {}
Condition = ColumnElement[bool] | TextClause


def has_postgis_points(conn: Connection) -> bool:
    """Whether this store has migration 0002's PostGIS `geom` column (PostgreSQL with PostGIS)."""
    if conn.dialect.name != "postgresql":
        return False
    key = conn.engine.url.render_as_string(hide_password=True)
    if key not in _POSTGIS_POINTS:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'assets' AND column_name = 'geom'"
        ).scalar()
        _POSTGIS_POINTS[key] = found is not None
    return _POSTGIS_POINTS[key]


def within_box(box: Bbox, postgis: bool, name: str) -> Condition:
    if postgis:
        return text(
            f"assets.geom && ST_MakeEnvelope(:{name}_w, :{name}_s, :{name}_e, :{name}_n, 4326)"
        ).bindparams(
            **{f"{name}_w": box.min_lon, f"{name}_s": box.min_lat},
            **{f"{name}_e": box.max_lon, f"{name}_n": box.max_lat},
        )
    return and_(
        assets.c.lon.between(box.min_lon, box.max_lon),
        assets.c.lat.between(box.min_lat, box.max_lat),
    )


def within_radius(near: Near, postgis: bool) -> Condition:
    if postgis:
        return text(
            "ST_DWithin(assets.geom::geography, "
            "ST_SetSRID(ST_MakePoint(:near_lon, :near_lat), 4326)::geography, :near_r)"
        ).bindparams(near_lon=near.lon, near_lat=near.lat, near_r=near.radius_m)
    # Equirectangular distance: exact to well under 0.1% at city scale, and plain arithmetic.
    kx = m_per_deg_lon(near.lat)
    dx = (assets.c.lon - near.lon) * kx
    dy = (assets.c.lat - near.lat) * M_PER_DEG_LAT
    return dx * dx + dy * dy <= near.radius_m**2
