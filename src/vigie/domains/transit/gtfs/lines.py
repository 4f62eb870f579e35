"""Bus lines as the simulator drives them, derived from the registry: a line follows its
corridor (`vigie.domains.transit.corridor`: from the centre of the main municipality out
through the places where its buses stand), with stops about every 400 m named after the
nearest street. Buses run back and forth between its termini."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from vigie.domains.transit.corridor import corridor_waypoints
from vigie.domains.transit.gtfs.paths import Polyline, StreetNamer, ToXY
from vigie.registry.assets import Asset

STOP_SPACING_M = (300.0, 500.0)


@dataclass(frozen=True)
class BusLine:
    ref: str
    path: Polyline
    stop_s: tuple[float, ...]  # distance of each stop along the path; the ends are termini
    stop_names: tuple[str, ...]


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
        path = Polyline(corridor_waypoints(np.array(by_line[ref], dtype=np.float64), centre_xy))
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
