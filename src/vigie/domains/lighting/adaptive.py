"""Adaptive lighting, the first cross-domain gain: the traffic flow counted by the nearest
intersection's detectors lowers a road's lighting class step by step when traffic is light
(EN 13201-1 / CEN/TR 13201-1 adaptive lighting) and raises it again when traffic returns.

A zone is a cabinet's luminaires; its flow is that of the nearest signalised intersection
within `ZONE_RADIUS_M` (zones farther from any intersection are not adaptive). The flow is
compared with the intersection's own reference, the highest hourly flow seen so far (its
peak), so no capacity has to be configured:

    flow ≥ 50% of peak → design class;  20-50% → one class lower;  < 20% → two lower.

Classes go down one step per evaluation and come back up one step at a time, with a
hysteresis of 5 points of peak so a flow hovering at a threshold does not make lights pump.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vigie.core.geodesy import distance_m

ZONE_RADIUS_M = 400.0
DOWN_THRESHOLDS = (0.5, 0.2)  # below the first: one step; below the second: two
HYSTERESIS = 0.05
#: The reference is not trusted before this many observations of the intersection.
MIN_OBSERVATIONS = 24


def target_steps(ratio: float, *, raising: bool = False) -> int:
    shift = HYSTERESIS if raising else 0.0
    return sum(1 for threshold in DOWN_THRESHOLDS if ratio < threshold + shift)


def next_steps(current: int, ratio: float) -> int:
    """One evaluation: at most one step down or up, with hysteresis on the way up."""
    down = target_steps(ratio)
    if down > current:
        return current + 1
    up = target_steps(ratio, raising=True)
    if up < current:
        return current - 1
    return current


@dataclass(frozen=True)
class Site:
    id: str
    lon: float
    lat: float


def zones(cabinets: Iterable[Site], intersections: Iterable[Site]) -> dict[str, str]:
    """Cabinet id → the id of its nearest intersection within ZONE_RADIUS_M."""
    crossings = list(intersections)
    found: dict[str, str] = {}
    for cabinet in cabinets:
        best = min(
            crossings,
            key=lambda x: distance_m(cabinet.lon, cabinet.lat, x.lon, x.lat),
            default=None,
        )
        if best is not None and (
            distance_m(cabinet.lon, cabinet.lat, best.lon, best.lat) <= ZONE_RADIUS_M
        ):
            found[cabinet.id] = best.id
    return found


@dataclass
class AdaptiveController:
    """Keeps each zone's class step and each intersection's reference flow."""

    zone_of: dict[str, str]  # cabinet → intersection
    steps: dict[str, int] = field(default_factory=dict)
    peak_vph: dict[str, float] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def observe(self, flows_vph: Mapping[str, float]) -> None:
        for crossing, flow in flows_vph.items():
            self.peak_vph[crossing] = max(self.peak_vph.get(crossing, 0.0), flow)
            self.seen[crossing] = self.seen.get(crossing, 0) + 1

    def decide(self, flows_vph: Mapping[str, float]) -> dict[str, int]:
        """The zones whose step changes with these flows, and their new step."""
        self.observe(flows_vph)
        changes: dict[str, int] = {}
        for cabinet, crossing in self.zone_of.items():
            flow = flows_vph.get(crossing)
            peak = self.peak_vph.get(crossing, 0.0)
            if flow is None or peak <= 0.0 or self.seen.get(crossing, 0) < MIN_OBSERVATIONS:
                continue  # no fresh count, or no trusted reference: keep the step
            current = self.steps.get(cabinet, 0)
            new = next_steps(current, flow / peak)
            if new != current:
                self.steps[cabinet] = new
                changes[cabinet] = new
        return changes
