"""Parsing of the list filters shared by the asset endpoints (bbox, near, lists)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from vigie.api.problems import ProblemError
from vigie.registry.spatial import Bbox, Near

MAX_NEAR_RADIUS_M = 50_000.0


def split_list(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """`?type=A&type=B` and `?type=A,B` alike; None when the parameter is absent."""
    if values is None:
        return None
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


def _floats(text: str, count: int, name: str, shape: str) -> list[float]:
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise ProblemError(400, f"{name} must be {shape}", kind="bad-filter", parameter=name)
    return numbers


def _check_lonlat(lon: float, lat: float, name: str) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ProblemError(
            400, f"{name} is outside WGS84 longitude/latitude", kind="bad-filter", parameter=name
        )


def parse_bbox(text: str | None) -> Bbox | None:
    if text is None:
        return None
    min_lon, min_lat, max_lon, max_lat = _floats(text, 4, "bbox", "min_lon,min_lat,max_lon,max_lat")
    _check_lonlat(min_lon, min_lat, "bbox")
    _check_lonlat(max_lon, max_lat, "bbox")
    if min_lon > max_lon or min_lat > max_lat:
        raise ProblemError(
            400, "bbox minimum is above its maximum", kind="bad-filter", parameter="bbox"
        )
    return Bbox(min_lon, min_lat, max_lon, max_lat)


def parse_near(text: str | None, radius_m: float | None) -> Near | None:
    if text is None:
        if radius_m is not None:
            raise ProblemError(
                400, "radius_m needs near=lon,lat", kind="bad-filter", parameter="radius_m"
            )
        return None
    lon, lat = _floats(text, 2, "near", "lon,lat")
    _check_lonlat(lon, lat, "near")
    if radius_m is None or not (0 < radius_m <= MAX_NEAR_RADIUS_M) or not math.isfinite(radius_m):
        raise ProblemError(
            400,
            f"near needs radius_m between 0 and {MAX_NEAR_RADIUS_M:.0f}",
            kind="bad-filter",
            parameter="radius_m",
        )
    return Near(lon, lat, radius_m)
