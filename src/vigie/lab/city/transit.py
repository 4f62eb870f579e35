"""Buses of the urban network on their lines: the "Lianes" L1-L7 from the centre of the main
municipality out to the largest suburbs, and numbered lines between the other suburbs and the
centre. Each bus stands on a main street along its line's corridor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from vigie.domains.transit.assets import BUS, BusAttributes
from vigie.lab.city.counts import apportion
from vigie.lab.city.records import AssetBook
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets, RoadKind
from vigie.registry.assets import NewAsset


@dataclass(frozen=True)
class BusLine:
    ref: str
    weight: float  # share of the fleet it runs
    articulated: bool  # 18 m buses on the busiest lines


LINES: tuple[BusLine, ...] = tuple(
    [BusLine(f"L{n}", 3.0, True) for n in range(1, 8)]
    + [BusLine(str(n), 1.0, False) for n in (10, 11, 12, 13, 15, 16, 18, 19, 20)]
)
_PROPULSION: tuple[Literal["hybrid", "electric", "diesel", "hydrogen", "gnv"], ...] = (
    "hybrid",
    "electric",
    "diesel",
    "hydrogen",
    "gnv",
)
_PROPULSION_SHARES = (0.45, 0.25, 0.15, 0.10, 0.05)
_MAIN_ROADS = (RoadKind.ARTERIAL, RoadKind.COLLECTOR, RoadKind.SQUARE)


def _corridors(
    communes: list[CommuneStreets], main_code: str
) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of each line: from the main centre to one suburb's centre, the
    largest suburbs to the Lianes."""
    main = next(c for c in communes if c.code == main_code)
    suburbs = sorted(
        (c for c in communes if c.code != main_code),
        key=lambda c: (-c.municipality.population, c.code),
    ) or [main]
    return [(*main.centre, *suburbs[index % len(suburbs)].centre) for index in range(len(LINES))]


def generate_buses(
    communes: list[CommuneStreets],
    main_code: str,
    count: int,
    book: AssetBook,
    rng: np.random.Generator,
) -> list[NewAsset]:
    """`count` buses spread over the lines (Lianes run three times as many)."""
    on_main_roads = [c.samples_on(_MAIN_ROADS) for c in communes]
    points = np.concatenate([c.sample_xy[s] for c, s in zip(communes, on_main_roads, strict=True)])
    owner = np.concatenate([np.full(len(s), i) for i, s in enumerate(on_main_roads)])
    buses = []
    fleet_number = 1001
    corridors = _corridors(communes, main_code)
    for line, buses_on_line, (x0, y0, x1, y1) in zip(
        LINES, apportion(count, [line.weight for line in LINES]), corridors, strict=True
    ):
        for t in rng.uniform(0.05, 1.0, buses_on_line):
            # Buses spread along the corridor, a street or two either side of its axis.
            target = np.array((x0 + t * (x1 - x0), y0 + t * (y1 - y0))) + rng.normal(0.0, 120.0, 2)
            nearest = int(np.argmin(np.hypot(*(points - target).T)))
            streets = communes[int(owner[nearest])]
            buses.append(
                book.point(
                    BUS,
                    streets.code,
                    f"Bus {fleet_number} – ligne {line.ref}",
                    (float(points[nearest, 0]), float(points[nearest, 1])),
                    BusAttributes(
                        fleet_number=str(fleet_number),
                        capacity_passengers=145 if line.articulated else 95,
                        propulsion=pick(rng, _PROPULSION, _PROPULSION_SHARES),
                        line_ref=line.ref,
                        priority_equipped=True,
                    ),
                )
            )
            fleet_number += 1
    return buses
