"""Planar geometry on lon/lat rings (fine at city scale), with shapely."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry

Ring = Sequence[tuple[float, float]] | Sequence[Sequence[float]]


@functools.lru_cache(maxsize=256)
def _area(ring: tuple[tuple[float, float], ...]) -> BaseGeometry:
    polygon: BaseGeometry = shapely.Polygon(ring)
    if not polygon.is_valid:
        # A ring that crosses itself: its lobes, as the even-odd rule counts them.
        polygon = shapely.make_valid(polygon)
    shapely.prepare(polygon)
    return polygon


def area(ring: Ring) -> BaseGeometry:
    """The area a ring (closed or not, at least 3 points) encloses; prepared and cached."""
    return _area(tuple((float(p[0]), float(p[1])) for p in ring))


def inside(lon: float, lat: float, ring: Ring) -> bool:
    """Whether a point is strictly inside the area a ring encloses."""
    return bool(shapely.contains_xy(area(ring), lon, lat))
