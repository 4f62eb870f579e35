"""A bus line's path in a local metric frame, with the signal-equipped crossings placed along
it: where along its line a bus is, and which equipped crossing it approaches next."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class EquippedCrossing:
    intersection_id: str
    #: Signal groups serving the bus on the way out (increasing distance) and back.
    group_out: str
    group_back: str
    distance_m: float


class LinePath:
    """A line's path (metres) with its equipped crossings in order along it."""

    def __init__(self, xy: npt.NDArray[np.float64], crossings: list[EquippedCrossing]) -> None:
        if len(xy) < 2:
            raise ValueError("a path needs at least two points")
        self.start = xy[:-1]
        self.segment = np.diff(xy, axis=0)
        lengths = np.hypot(*self.segment.T)
        self.length2 = np.maximum(lengths**2, 1e-12)
        self.cumulative = np.concatenate(([0.0], np.cumsum(lengths)))
        self.crossings = sorted(crossings, key=lambda c: c.distance_m)
        self._distances = [c.distance_m for c in self.crossings]

    def locate(self, x: float, y: float) -> float:
        """Distance along the path of the point nearest (x, y)."""
        return self.nearest(x, y)[0]

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """(distance along the path, distance off it) of the path's point nearest (x, y)."""
        rel = np.array((x, y)) - self.start
        t = np.clip((rel * self.segment).sum(axis=1) / self.length2, 0.0, 1.0)
        nearest = self.start + self.segment * t[:, None]
        off2 = ((nearest - (x, y)) ** 2).sum(axis=1)
        k = int(np.argmin(off2))
        along = float(self.cumulative[k] + t[k] * (self.cumulative[k + 1] - self.cumulative[k]))
        return along, float(np.sqrt(off2[k]))

    def bearing_at(self, s_m: float) -> float:
        """Compass bearing (0° north, 90° east) of the path at `s_m` along it."""
        k = int(np.searchsorted(self.cumulative, s_m, side="right")) - 1
        k = min(max(k, 0), len(self.segment) - 1)
        dx, dy = self.segment[k]
        return float(np.degrees(np.arctan2(dx, dy)) % 360.0)

    def crossing_ahead(self, s_m: float, outbound: bool) -> EquippedCrossing | None:
        if outbound:
            index = bisect.bisect_right(self._distances, s_m)
            return self.crossings[index] if index < len(self.crossings) else None
        index = bisect.bisect_left(self._distances, s_m) - 1
        return self.crossings[index] if index >= 0 else None
