"""Buses off their line.

Vigie has no route shapes yet (GTFS comes with the transit feature), so a line's corridor is
the one `vigie.domains.transit.corridor` derives from the registry (from the network's hub,
the centre of the most populous municipality, out through the registered positions of the
line's buses) — the corridor the simulator drives its buses along. A bus in service
(announcing a next stop) farther than `off_route_m` from it is off its route: enough to
catch a bus on a diversion or a wrong turn; replace `LineCorridors` with real shapes when
they exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
import numpy as np
from sqlalchemy.engine import Connection

from vigie.alarms.conditions.base import Condition, Context
from vigie.alarms.topology import Topology
from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.core.text import Text
from vigie.domains.transit.assets import BUS
from vigie.domains.transit.corridor import Floats, corridor_waypoints, distance_to_polyline_m
from vigie.registry.municipalities import list_municipalities

Point = tuple[float, float]


class OffRouteParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    off_route_m: Annotated[float, msgspec.Meta(gt=0, le=50_000)] = 800.0


class LineCorridors:
    """Corridor polylines per line (metres from the hub), built once per topology."""

    def __init__(self, topology: Topology, hub: Point | None = None) -> None:
        self.topology = topology
        self.hub = hub
        self._lines: dict[str, tuple[Point, Floats] | None] = {}

    def distance_m(self, line_ref: str, lon: float, lat: float) -> float | None:
        if line_ref not in self._lines:
            points = self.topology.positions_where(BUS, "line_ref", line_ref)
            self._lines[line_ref] = self._corridor(points) if points else None
        found = self._lines[line_ref]
        if found is None:
            return None
        (lon0, lat0), path = found
        x = (lon - lon0) * m_per_deg_lon(lat0)
        y = (lat - lat0) * M_PER_DEG_LAT
        return distance_to_polyline_m(x, y, path)

    def _corridor(self, points: list[Point]) -> tuple[Point, Floats]:
        """(origin, waypoints in metres from it); the origin is the hub (else the first bus,
        as the simulator does without a main municipality)."""
        lon0, lat0 = self.hub if self.hub is not None else points[0]
        kx = m_per_deg_lon(lat0)
        xy = np.array(
            [((lon - lon0) * kx, (lat - lat0) * M_PER_DEG_LAT) for lon, lat in points],
            dtype=np.float64,
        )
        return (lon0, lat0), corridor_waypoints(xy, (0.0, 0.0))


class OffRoute(Condition):
    metrics = frozenset({"lon", "lat", "next_stop"})

    def __init__(self, params: OffRouteParams, reporter_type: str) -> None:
        self.off_route_m = params.off_route_m
        self._corridors: LineCorridors | None = None
        self._hub: Point | None = None

    def prime(self, conn: Connection, topology: Topology, now: datetime) -> None:
        """The network's hub: the centre of the most populous municipality."""
        found = list_municipalities(conn)
        if found:
            main = max(found, key=lambda m: (m.population, m.code))
            self._hub = (main.lon, main.lat)
            self._corridors = None

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        line_ref = ctx.asset.attributes.get("line_ref")
        lon, lat = ctx.number("lon"), ctx.number("lat")
        if not isinstance(line_ref, str) or lon is None or lat is None or not ctx.text("next_stop"):
            return None
        topology = ctx.services.topology
        if self._corridors is None or self._corridors.topology is not topology:
            self._corridors = LineCorridors(topology, self._hub)
        distance_m = self._corridors.distance_m(line_ref, lon, lat)
        if distance_m is None or distance_m <= self.off_route_m:
            return None
        return Text(
            f"{distance_m:.0f} m from the corridor of line {line_ref}",
            f"à {distance_m:.0f} m du tracé de la ligne {line_ref}",
        )
