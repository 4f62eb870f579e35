"""Street lighting: LED light points along the roads, grouped into control cabinets whose
feeders (circuits) each supply one sector of lights.

Each light keeps the wattage of the high-pressure sodium or metal-halide lamp it replaced
(`baseline_power_w`): the LED ratings below are about 35-45% of those, as in retrofits of
this kind, which is what makes the contract's 65% saving reachable with dimming on top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from vigie.domains.lighting.assets import (
    FEEDER,
    STREETLIGHT,
    STREETLIGHT_CONTROL_CABINET,
    FeederAttributes,
    LampTechnology,
    LightingClass,
    StreetlightAttributes,
    StreetlightControlCabinetAttributes,
)
from vigie.lab.city.counts import CommuneQuota, apportion
from vigie.lab.city.geo import FloatArray, left_normal, points_along
from vigie.lab.city.partition import IndexArray, compact_groups
from vigie.lab.city.records import AssetBook, PartDraft
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import LIGHT_SPACING_M, CommuneStreets, Road, RoadKind
from vigie.registry.asset_types import Relation
from vigie.registry.assets import NewAsset
from vigie.registry.ids import part_urn


@dataclass(frozen=True)
class Luminaire:
    """What lights a road of one EN 13201 class: the choices a street is equipped from."""

    height_m: tuple[float, float]
    led_w: tuple[float, ...]
    baseline_w: tuple[float, ...]
    side_offset_m: float  # from the road's centre line to the pole


LUMINAIRES: dict[LightingClass, Luminaire] = {
    "M2": Luminaire((10.0, 12.0), (90.0, 100.0, 120.0), (250.0,), 8.0),
    "M3": Luminaire((10.0, 11.0), (60.0, 70.0, 80.0), (150.0, 150.0, 250.0), 7.0),
    "M4": Luminaire((8.0, 9.0), (40.0, 45.0, 55.0), (100.0, 150.0), 5.0),
    "M5": Luminaire((7.0, 8.0), (28.0, 32.0, 36.0), (70.0, 100.0), 4.0),
    "M6": Luminaire((6.0, 7.0), (20.0, 24.0, 28.0), (70.0,), 4.0),
    "C2": Luminaire((8.0, 10.0), (55.0, 70.0), (150.0, 250.0), 3.0),
    "C3": Luminaire((8.0, 9.0), (45.0, 55.0), (150.0,), 3.0),
    "C4": Luminaire((7.0, 8.0), (35.0, 45.0), (100.0,), 3.0),
    "P2": Luminaire((4.0, 5.0), (25.0, 30.0), (70.0, 100.0, 125.0), 2.0),
    "P3": Luminaire((4.0, 5.0), (20.0, 25.0), (70.0, 100.0), 2.0),
    "P4": Luminaire((4.0, 4.5), (20.0,), (70.0,), 1.5),
}
#: Roads lit first when there are more roads than lights to put on them (small scales).
_PRIORITY = (
    RoadKind.SQUARE, RoadKind.ARTERIAL, RoadKind.COLLECTOR, RoadKind.PEDESTRIAN,
    RoadKind.RESIDENTIAL, RoadKind.PATH,
)  # fmt: skip
_MAX_SPACING_M = 35.0
_RENOVATION_YEARS = (2018, 2019, 2020, 2021)
_RENOVATION_SHARES = (0.2, 0.35, 0.3, 0.15)
_VOLTS = 230.0
_POWER_FACTOR = 0.9  # of the compensated discharge lamps the circuits were sized for
_BREAKERS_A = (10.0, 16.0, 20.0, 25.0, 32.0, 40.0, 63.0)


class Fitting(NamedTuple):
    """The luminaire a road is equipped with, and the lamp it replaced."""

    led_w: float
    baseline_w: float
    height_m: float


@dataclass(frozen=True)
class _Lights:
    xy: FloatArray
    tangent: FloatArray  # of the road at each light
    road: list[Road]
    fitting: list[Fitting]


def lights_per_road(roads: tuple[Road, ...], count: int) -> list[int]:
    """How many lights each road gets: in proportion to its lit length when that spaces them
    no more than 35 m apart, else the most important roads first at the target spacing."""
    lit_m = [road.length_m * road.lit_sides for road in roads]
    if count == 0 or sum(lit_m) / count <= _MAX_SPACING_M:
        return apportion(count, lit_m)
    shares = [0] * len(roads)
    remaining = count
    for index in sorted(range(len(roads)), key=lambda i: (_PRIORITY.index(roads[i].kind), i)):
        shares[index] = min(remaining, max(1, math.floor(lit_m[index] / LIGHT_SPACING_M)))
        remaining -= shares[index]
    # Many short roads can hold slightly fewer than their length suggests: spread the rest.
    return [n + extra for n, extra in zip(shares, apportion(remaining, lit_m), strict=True)]


def _place(streets: CommuneStreets, count: int, rng: np.random.Generator) -> _Lights:
    points, tangents, roads, fittings = [], [], [], []
    for road, lights in zip(streets.roads, lights_per_road(streets.roads, count), strict=True):
        if lights == 0:
            continue
        luminaire = LUMINAIRES[road.lighting_class]
        fitting = Fitting(
            pick(rng, luminaire.led_w),
            pick(rng, luminaire.baseline_w),
            round(float(rng.uniform(*luminaire.height_m)) * 2) / 2,  # to the half metre
        )
        step = road.length_m / lights
        along = (np.arange(lights) + 0.5) * step + rng.uniform(-0.1, 0.1, lights) * step
        xy, tangent = points_along(road.coords, np.clip(along, 0.0, road.length_m))
        if road.lit_sides == 2:
            side = np.where(np.arange(lights) % 2 == 0, 1.0, -1.0)
        else:
            side = np.full(lights, 1.0 if rng.random() < 0.5 else -1.0)
        points.append(xy + left_normal(tangent) * (side * luminaire.side_offset_m)[:, None])
        tangents.append(tangent)
        roads += [road] * lights
        fittings += [fitting] * lights
    return _Lights(np.concatenate(points), np.concatenate(tangents), roads, fittings)


def _breaker_a(load_w: float) -> float:
    current_a = 1.25 * load_w / (_VOLTS * _POWER_FACTOR)
    return next((rating for rating in _BREAKERS_A if rating >= current_a), _BREAKERS_A[-1])


def _supply_kva(load_w: float) -> float:
    """Subscribed power: the connected load with a 20% margin, in 3 kVA steps."""
    return float(max(3, 3 * math.ceil(1.2 * load_w / _POWER_FACTOR / 1000 / 3)))


def _cabinet(
    group: IndexArray,
    lights: _Lights,
    code: str,
    book: AssetBook,
    rng: np.random.Generator,
    feeder_of: list[str],
    year_of: list[int],
) -> NewAsset:
    """The cabinet feeding `group` (placed by the light nearest its middle) and its feeders;
    records in `feeder_of` and `year_of` the feeder and renovation year of each light."""
    centroid = lights.xy[group].mean(axis=0)
    anchor = int(group[np.argmin(np.hypot(*(lights.xy[group] - centroid).T))])
    position = lights.xy[anchor] + 1.5 * lights.tangent[anchor]
    local = book.next_local(STREETLIGHT_CONTROL_CABINET, code)
    feeders = min(len(group), int(np.clip(round(len(group) / rng.uniform(18.0, 30.0)), 2, 6)))
    # Each feeder leaves the cabinet in its own direction: split the lights by bearing.
    offset = lights.xy[group] - position
    bearing = np.arctan2(offset[:, 1], offset[:, 0]) - rng.uniform(-math.pi, math.pi)
    sectors = np.array_split(group[np.argsort(bearing % (2 * math.pi), kind="stable")], feeders)
    # Renovation went cabinet by cabinet: its lights share a year.
    year = pick(rng, _RENOVATION_YEARS, _RENOVATION_SHARES)
    parts: list[PartDraft] = []
    for circuit, sector in enumerate(sectors, start=1):
        for i in sector:
            feeder_of[int(i)] = part_urn(FEEDER.urn_type, code, local, circuit)
            year_of[int(i)] = year
        load_w = sum(lights.fitting[int(i)].baseline_w for i in sector)
        attributes = FeederAttributes(circuit=circuit, rated_current_a=_breaker_a(load_w))
        parts.append((FEEDER, f"Départ {circuit}", attributes))
    load_w = sum(lights.fitting[int(i)].baseline_w for i in group)
    return book.point(
        STREETLIGHT_CONTROL_CABINET,
        code,
        f"Armoire {local} – {lights.road[anchor].name}",
        (float(position[0]), float(position[1])),
        StreetlightControlCabinetAttributes(
            supply_kva=_supply_kva(load_w), feeder_count=feeders, has_energy_meter=True
        ),
        local=local,
        parts=parts,
    )


def generate_lighting(
    streets: CommuneStreets, quota: CommuneQuota, book: AssetBook, rng: np.random.Generator
) -> list[NewAsset]:
    """The municipality's cabinets (with their feeders), then its streetlights."""
    if quota.streetlights == 0:
        return []
    code = streets.code
    lights = _place(streets, quota.streetlights, rng)
    feeder_of = [""] * quota.streetlights
    year_of = [0] * quota.streetlights
    cabinets = [
        _cabinet(group, lights, code, book, rng, feeder_of, year_of)
        for group in compact_groups(lights.xy, rng.uniform(0.7, 1.3, quota.cabinets))
    ]
    streetlights = []
    for i, (road, fitting) in enumerate(zip(lights.road, lights.fitting, strict=True)):
        local = book.next_local(STREETLIGHT, code)
        streetlights.append(
            book.point(
                STREETLIGHT,
                code,
                f"PL {local} – {road.name}",
                (float(lights.xy[i, 0]), float(lights.xy[i, 1])),
                StreetlightAttributes(
                    lamp_technology=LampTechnology.LED,
                    rated_power_w=fitting.led_w,
                    baseline_power_w=fitting.baseline_w,
                    lighting_class=road.lighting_class,
                    mounting_height_m=fitting.height_m,
                    road_name=road.name,
                    installed_year=year_of[i],
                ),
                local=local,
                links=((Relation.FED_BY, feeder_of[i]),),
            )
        )
    return cabinets + streetlights
