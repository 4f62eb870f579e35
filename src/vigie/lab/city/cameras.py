"""CCTV: cameras on squares (security), at signalised crossings (traffic) and at other busy
crossings, most of them in the main municipality."""

from __future__ import annotations

from typing import Literal

import numpy as np

from vigie.domains.cctv.assets import CAMERA, CameraAttributes
from vigie.lab.city.counts import CommuneQuota
from vigie.lab.city.records import AssetBook
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets, Crossing, RoadKind
from vigie.lab.city.traffic import corner
from vigie.registry.assets import NewAsset

Usage = Literal["security", "traffic", "both"]
Site = tuple[str, tuple[float, float], Usage]  # place name, position, usage

_KINDS: tuple[Literal["ptz", "dome", "fixed"], ...] = ("ptz", "dome", "fixed")
_KIND_SHARES = (0.4, 0.35, 0.25)
_RESOLUTIONS: tuple[Literal["1080p", "4K", "720p"], ...] = ("1080p", "4K", "720p")
_RESOLUTION_SHARES = (0.6, 0.25, 0.15)
_OUTDOOR_USAGES: tuple[Usage, ...] = ("security", "both")


def _sites(
    streets: CommuneStreets, signalised: list[Crossing], count: int, rng: np.random.Generator
) -> list[Site]:
    """Where the municipality's `count` cameras go."""
    sites: list[Site] = []
    for square in streets.squares:
        sites.append((square.name, (square.x, square.y), "security"))
    for crossing in signalised:
        sites.append((crossing.name, corner(streets, crossing, -8.0), "traffic"))
    taken = set(signalised)
    others = [c for c in streets.crossings if c not in taken and c.rank <= 3]
    for index in rng.permutation(len(others))[: max(0, count - len(sites))]:
        crossing = others[int(index)]
        usage: Usage = "security" if crossing.pedestrian else pick(rng, _OUTDOOR_USAGES)
        sites.append((crossing.name, corner(streets, crossing, 6.0), usage))
    if len(sites) < count:
        # Fewer crossings than cameras (a dense load-test scale): the rest watch streets.
        busy = streets.samples_on((RoadKind.ARTERIAL, RoadKind.COLLECTOR, RoadKind.PEDESTRIAN))
        pool = busy if len(busy) else np.arange(len(streets.sample_xy))
        for sample in rng.choice(pool, size=count - len(sites)):
            road = streets.roads[int(streets.sample_road[sample])]
            x, y = streets.sample_xy[sample]
            sites.append((road.name, (float(x) + 4.0, float(y) + 4.0), "security"))
    # Squares and signals come first: with fewer cameras than those, they are the ones kept.
    return sites[:count]


def generate_cameras(
    streets: CommuneStreets,
    quota: CommuneQuota,
    signalised: list[Crossing],
    book: AssetBook,
    rng: np.random.Generator,
) -> list[NewAsset]:
    cameras = []
    for place, position, usage in _sites(streets, signalised, quota.cameras, rng):
        local = book.next_local(CAMERA, streets.code)
        # Traffic cameras at signals are mostly domes watching the whole junction.
        kind = (
            "dome" if usage == "traffic" and rng.random() < 0.5 else pick(rng, _KINDS, _KIND_SHARES)
        )
        cameras.append(
            book.point(
                CAMERA,
                streets.code,
                f"Caméra {local} – {place}",
                position,
                CameraAttributes(
                    camera_kind=kind,
                    camera_usage=usage,
                    resolution=pick(rng, _RESOLUTIONS, _RESOLUTION_SHARES),
                ),
                local=local,
            )
        )
    return cameras
