"""Geometry of the bus lines: polylines in the local metric frame (position and compass
heading at a distance along them), and street names for points (from the streetlights'
road names, the only street names the registry holds). The lab's vehicles move along them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from vigie.registry.assets import Asset

Floats = npt.NDArray[np.float64]
#: WGS84 (lon, lat) → metres in the local frame.
ToXY = Callable[[float, float], tuple[float, float]]


class Polyline:
    """A path in metres; `at(s)` gives the point `s` metres along it."""

    def __init__(self, xy: Floats) -> None:
        if len(xy) < 2:
            raise ValueError("a path needs at least two points")
        self.xy = xy
        steps = np.hypot(*np.diff(xy, axis=0).T)
        self.cumulative = np.concatenate(([0.0], np.cumsum(steps)))
        self.length_m = float(self.cumulative[-1])
        dx, dy = np.diff(xy, axis=0).T
        # Compass bearing of each segment: 0° north, 90° east.
        self.bearing_deg = np.degrees(np.arctan2(dx, dy)) % 360.0

    def at(self, s_m: float) -> tuple[float, float, float]:
        """(x, y, bearing °) at `s_m` metres along the path (clamped to its ends)."""
        s = min(max(s_m, 0.0), self.length_m)
        segment = int(np.searchsorted(self.cumulative, s, side="right")) - 1
        segment = min(max(segment, 0), len(self.xy) - 2)
        start = float(self.cumulative[segment])
        span = float(self.cumulative[segment + 1]) - start
        fraction = (s - start) / span if span > 0 else 0.0
        a, b = self.xy[segment], self.xy[segment + 1]
        return (
            float(a[0] + (b[0] - a[0]) * fraction),
            float(a[1] + (b[1] - a[1]) * fraction),
            float(self.bearing_deg[segment]),
        )


class StreetNamer:
    """The road name of the streetlight nearest a point."""

    def __init__(self, lights: list[Asset], to_xy: ToXY) -> None:
        named = [a for a in lights if a.attributes.get("road_name")]
        self.xy = np.array([to_xy(a.lon, a.lat) for a in named], dtype=np.float64).reshape(-1, 2)
        self.names = [str(a.attributes["road_name"]) for a in named]

    def name_at(self, x: float, y: float) -> str | None:
        if not self.names:
            return None
        nearest = int(np.argmin(np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)))
        return self.names[nearest]
