"""Bus lines as the simulator drives them, derived from the registry: a line runs from the
centre of the main municipality out through the places where its buses stand (they were
generated along its corridor), ordered along the line's axis and smoothed, with stops about
every 400 m named after the nearest street. Buses run back and forth between its termini."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from vigie.registry.assets import Asset
from vigie.sim.devices.paths import Floats, Polyline, StreetNamer, ToXY

MIN_LINE_M = 2_000.0
STOP_SPACING_M = (300.0, 500.0)
_MERGE_M = 80.0


@dataclass(frozen=True)
class BusLine:
    ref: str
    path: Polyline
    stop_s: tuple[float, ...]  # distance of each stop along the path; the ends are termini
    stop_names: tuple[str, ...]


def _axis_points(points: Floats, centre: tuple[float, float]) -> Floats:
    """The line's waypoints: the centre, then the buses' positions in order along the axis
    from the centre to the farthest of them, smoothed, extended to a minimum length."""
    origin = np.array(centre, dtype=np.float64)
    offsets = points - origin
    distance = np.hypot(offsets[:, 0], offsets[:, 1])
    far = int(np.argmax(distance))
    axis = offsets[far] / distance[far] if distance[far] > 1.0 else np.array([1.0, 0.0])
    along = offsets @ axis
    ordered = points[np.argsort(along, kind="stable")]
    waypoints = [origin]
    for point in ordered:
        if math.dist(point, waypoints[-1]) >= _MERGE_M:
            waypoints.append(point)
    path = np.array(waypoints)
    if len(path) >= 4:
        # A bus stands a street or two off the axis: average neighbours so the line does not
        # zigzag from one to the next.
        smooth = path.copy()
        smooth[1:-1] = (path[:-2] + 2 * path[1:-1] + path[2:]) / 4.0
        path = smooth
    length = float(np.hypot(*np.diff(path, axis=0).T).sum()) if len(path) > 1 else 0.0
    if length < MIN_LINE_M:
        path = np.vstack([path, path[-1] + axis * (MIN_LINE_M - length)])
    return path


def derive_lines(
    buses: list[Asset],
    to_xy: ToXY,
    centre_xy: tuple[float, float],
    namer: StreetNamer,
    rng: np.random.Generator,
) -> dict[str, BusLine]:
    """One BusLine per line_ref of the buses (buses without one form line "?")."""
    by_line: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for bus in buses:
        by_line[str(bus.attributes.get("line_ref") or "?")].append(to_xy(bus.lon, bus.lat))
    lines = {}
    for ref in sorted(by_line):
        path = Polyline(_axis_points(np.array(by_line[ref], dtype=np.float64), centre_xy))
        stops = [0.0]
        while stops[-1] + STOP_SPACING_M[1] < path.length_m:
            stops.append(stops[-1] + float(rng.uniform(*STOP_SPACING_M)))
        stops.append(path.length_m)
        names: list[str] = []
        seen: Counter[str] = Counter()
        for n, s in enumerate(stops, start=1):
            x, y, _ = path.at(s)
            street = (namer.name_at(x, y) or f"Arrêt {n}")[:100]
            seen[street] += 1
            names.append(street if seen[street] == 1 else f"{street} ({seen[street]})")
        lines[ref] = BusLine(ref, path, tuple(stops), tuple(names))
    return lines
