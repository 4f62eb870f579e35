"""Choose the source CRS of a file and bring its coordinates to WGS84 longitude/latitude."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyproj
import pyproj.exceptions

from vigie.registry.importing.source import SourceError

Floats = npt.NDArray[np.float64]
WGS84 = "EPSG:4326"

#: Projected extent of Lambert-93 (EPSG:2154) over metropolitan France, in metres; coordinates
#: inside it are almost certainly Lambert-93, which lets the error message suggest it.
_LAMBERT_93 = (-380_000.0, 6_000_000.0, 1_330_000.0, 7_240_000.0)


@lru_cache(maxsize=32)
def parse_crs(text: str) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise SourceError(f"unknown CRS {text!r} (e.g. EPSG:2154 for Lambert-93)") from None


def _looks_like_lonlat(xs: Floats, ys: Floats) -> npt.NDArray[np.bool_]:
    return (np.abs(xs) <= 180.0) & (np.abs(ys) <= 90.0)


def choose_crs(
    given: str | None, declared: str | None, xs: Floats, ys: Floats, rows: list[int], row_label: str
) -> tuple[pyproj.CRS, str]:
    """The CRS of the coordinates and where that choice came from.

    `given` (--crs) wins over `declared` (the file's own); a file with neither is taken as
    WGS84 only if every coordinate is a plausible longitude/latitude. A projected CRS whose
    coordinates all look like longitude/latitude is refused: someone named the wrong CRS.
    """
    lonlat = _looks_like_lonlat(xs, ys)
    for text, origin in ((given, "given with --crs"), (declared, "declared by the file")):
        if text is None:
            continue
        crs = parse_crs(text)
        if crs.is_projected and len(xs) and bool(lonlat.all()):
            raise SourceError(
                f"{crs.to_string()} ({origin}) is a projected CRS in metres, but the coordinates "
                f"look like longitude/latitude (e.g. {xs[0]}, {ys[0]}); try --crs {WGS84}"
            )
        return crs, f"{crs.to_string()} ({origin})"
    if bool(lonlat.all()):
        return parse_crs(WGS84), f"{WGS84} (coordinates look like longitude/latitude)"
    first = int(np.argmin(lonlat))
    x, y = float(xs[first]), float(ys[first])
    west, south, east, north = _LAMBERT_93
    hint = (
        " (they look like Lambert-93: --crs EPSG:2154)"
        if west <= x <= east and south <= y <= north
        else ""
    )
    raise SourceError(
        f"the file names no CRS and its coordinates are not longitude/latitude "
        f"({x}, {y} at {row_label} {rows[first]}): give the CRS with --crs{hint}"
    )


@lru_cache(maxsize=32)
def _transformer(crs: pyproj.CRS) -> pyproj.Transformer:
    # always_xy: our coordinates are (x=east, y=north) and (lon, lat) whatever the CRS says.
    return pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)


def to_wgs84(crs: pyproj.CRS, xs: Floats, ys: Floats) -> tuple[Floats, Floats]:
    """Longitudes and latitudes; a point that cannot be transformed comes back as inf/NaN."""
    if crs.equals(WGS84, ignore_axis_order=True):
        return xs, ys
    lons, lats = _transformer(crs).transform(xs, ys, errcheck=False)
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
