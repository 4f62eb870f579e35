"""Access bollards guarding the entries of the main municipality's pedestrian centre."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from vigie.domains.bollards.assets import BOLLARD, BollardAttributes
from vigie.lab.city.counts import CommuneQuota
from vigie.lab.city.geo import compass_point
from vigie.lab.city.records import AssetBook
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets, RoadKind
from vigie.registry.assets import NewAsset

_KINDS: tuple[Literal["retractable", "removable", "fixed_with_gate"], ...] = (
    "retractable",
    "removable",
    "fixed_with_gate",
)
_KIND_SHARES = (0.7, 0.15, 0.15)


def generate_bollards(
    streets: CommuneStreets, quota: CommuneQuota, book: AssetBook, rng: np.random.Generator
) -> list[NewAsset]:
    """One bollard per entry of the pedestrian centre, as many entries as there are
    bollards (spread around it); more bollards than entries go inside, along its streets."""
    if quota.bollards == 0:
        return []
    gates = sorted(
        streets.gates,
        key=lambda g: (math.atan2(g.y - streets.centre[1], g.x - streets.centre[0]), g.x, g.y),
    )
    sites = [(g.road_name, (g.x, g.y)) for g in gates]
    if len(sites) > quota.bollards:
        # Every k-th entry around the zone keeps the chosen ones spread out.
        start = float(rng.uniform(0, len(sites) / quota.bollards))
        picks = [
            int(start + k * len(sites) / quota.bollards) % len(sites) for k in range(quota.bollards)
        ]
        sites = [sites[i] for i in picks]
    if len(sites) < quota.bollards:
        inside = streets.samples_on((RoadKind.PEDESTRIAN,))
        pool = inside if len(inside) else np.arange(len(streets.sample_xy))
        missing = quota.bollards - len(sites)
        for sample in rng.choice(pool, size=missing, replace=len(pool) < missing):
            x, y = streets.sample_xy[sample]
            street = streets.roads[int(streets.sample_road[sample])].name
            sites.append((street, (float(x), float(y))))
    bollards = []
    for road, (x, y) in sites:
        local = book.next_local(BOLLARD, streets.code)
        sector = compass_point(x - streets.centre[0], y - streets.centre[1])
        bollards.append(
            book.point(
                BOLLARD,
                streets.code,
                f"Borne {local} – {road}",
                (x, y),
                BollardAttributes(
                    bollard_kind=pick(rng, _KINDS, _KIND_SHARES),
                    access_zone=f"Zone piétonne du centre – secteur {sector}",
                ),
                local=local,
            )
        )
    return bollards
