"""The fleet's tables: geofences (on the store's metadata)."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, String, Table

from vigie.store.schema import metadata
from vigie.store.types import JsonDocument, UtcDateTime

geofences = Table(
    "geofences",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column(
        "municipality_code",
        String(5),
        ForeignKey("municipalities.code"),
        nullable=True,
        comment="owning municipality; NULL for metropolitan fences",
    ),
    Column("kind", String(16), nullable=False, comment="circle or polygon"),
    Column(
        "lon",
        Float,
        nullable=False,
        comment="WGS84 centre of a circle, mean of a polygon's vertices (for maps)",
    ),
    Column("lat", Float, nullable=False),
    Column("radius_m", Float, nullable=True, comment="circles only"),
    Column("ring", JsonDocument, nullable=True, comment="polygons only: [[lon, lat], ...]"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("created_by", String(120), nullable=False),
    Index("ix_geofences_municipality_code", "municipality_code"),
)
