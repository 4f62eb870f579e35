"""Buses off their line.

Vigie has no route shapes yet (GTFS comes with the transit feature), so a line's corridor is
approximated from the registry: the registered positions of the line's buses, ordered along
the corridor's main axis, joined into a polyline. A bus in service (announcing a next stop)
farther than `off_route_m` from that polyline is off its route. Plain, and enough to catch a
bus on a diversion or a wrong turn; replace `LineCorridors` with real shapes when they exist.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated

import msgspec

from vigie.alarms.conditions.base import Condition, Context
from vigie.alarms.topology import Topology
from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon

Point = tuple[float, float]


class OffRouteParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    off_route_m: Annotated[float, msgspec.Meta(gt=0, le=50_000)] = 800.0


def _corridor(points: list[Point]) -> tuple[Point, list[Point]]:
    """(origin, polyline in metres from it): the points ordered along their main axis."""
    lon0 = sum(p[0] for p in points) / len(points)
    lat0 = sum(p[1] for p in points) / len(points)
    kx, ky = m_per_deg_lon(lat0), M_PER_DEG_LAT
    xy = [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in points]
    sxx = sum(x * x for x, _ in xy)
    syy = sum(y * y for _, y in xy)
    sxy = sum(x * y for x, y in xy)
    # Direction of largest spread (principal axis of the 2×2 covariance).
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    ux, uy = math.cos(angle), math.sin(angle)
    return (lon0, lat0), sorted(xy, key=lambda p: p[0] * ux + p[1] * uy)


def _distance_to_polyline_m(x: float, y: float, line: list[Point]) -> float:
    if len(line) == 1:
        return math.hypot(x - line[0][0], y - line[0][1])
    best = math.inf
    for (ax, ay), (bx, by) in itertools.pairwise(line):
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        best = min(best, math.hypot(x - (ax + t * dx), y - (ay + t * dy)))
    return best


class LineCorridors:
    """Corridor polylines per line, built once per topology."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._lines: dict[str, tuple[Point, list[Point]] | None] = {}

    def distance_m(self, line_ref: str, lon: float, lat: float) -> float | None:
        if line_ref not in self._lines:
            points = self.topology.line_positions(line_ref)
            self._lines[line_ref] = _corridor(points) if points else None
        found = self._lines[line_ref]
        if found is None:
            return None
        (lon0, lat0), line = found
        x = (lon - lon0) * m_per_deg_lon(lat0)
        y = (lat - lat0) * M_PER_DEG_LAT
        return _distance_to_polyline_m(x, y, line)


class OffRoute(Condition):
    metrics = frozenset({"lon", "lat", "next_stop"})

    def __init__(self, params: OffRouteParams, reporter_type: str) -> None:
        self.off_route_m = params.off_route_m
        self._corridors: LineCorridors | None = None

    def evaluate(self, ctx: Context, active: bool) -> str | None:
        line_ref = ctx.asset.attributes.get("line_ref")
        lon, lat = ctx.number("lon"), ctx.number("lat")
        if not isinstance(line_ref, str) or lon is None or lat is None or not ctx.text("next_stop"):
            return None
        topology = ctx.services.topology
        if self._corridors is None or self._corridors.topology is not topology:
            self._corridors = LineCorridors(topology)
        distance_m = self._corridors.distance_m(line_ref, lon, lat)
        if distance_m is None or distance_m <= self.off_route_m:
            return None
        return f"{distance_m:.0f} m from the corridor of line {line_ref}"
