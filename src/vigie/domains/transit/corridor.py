"""A bus line's corridor when no route shape is known: from the network's hub (the centre
of the main municipality, where the lines start) out through the places where the line's
buses are registered, ordered along the axis from the hub to the farthest of them, smoothed,
and at least `MIN_LINE_M` long. The simulator drives its buses along it and the off-route
rule measures against it, so both agree on where a line runs."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MIN_LINE_M = 2_000.0
#: Waypoints closer than this to the previous one are merged into it.
MERGE_M = 80.0


def corridor_waypoints(points_xy: Floats, hub_xy: tuple[float, float]) -> Floats:
    """The corridor's waypoints in the same metric frame as `points_xy` (n × 2 metres)."""
    origin = np.array(hub_xy, dtype=np.float64)
    offsets = points_xy - origin
    distance = np.hypot(offsets[:, 0], offsets[:, 1])
    far = int(np.argmax(distance))
    axis = offsets[far] / distance[far] if distance[far] > 1.0 else np.array([1.0, 0.0])
    along = offsets @ axis
    ordered = points_xy[np.argsort(along, kind="stable")]
    waypoints = [origin]
    for point in ordered:
        if math.dist(point, waypoints[-1]) >= MERGE_M:
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


def distance_to_polyline_m(x: float, y: float, path: Floats) -> float:
    """Shortest distance from (x, y) to the polyline `path` (same frame, metres)."""
    if len(path) == 1:
        return math.hypot(x - path[0][0], y - path[0][1])
    a = path[:-1]
    d = path[1:] - a
    length2 = (d * d).sum(axis=1)
    safe = np.where(length2 == 0.0, 1.0, length2)
    t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / safe, 0.0, 1.0)
    t = np.where(length2 == 0.0, 0.0, t)
    gaps = np.hypot(x - (a[:, 0] + t * d[:, 0]), y - (a[:, 1] + t * d[:, 1]))
    return float(gaps.min())
