"""Public buildings operated under the contract: a town hall per municipality, then schools,
gyms, pools, libraries and the like, set back from their street; each with 1-3 meters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from vigie.domains.buildings.assets import BUILDING, BuildingAttributes, MeterAttributes
from vigie.domains.buildings.assets import METER_SPEC as METER
from vigie.lab.city.counts import CommuneQuota
from vigie.lab.city.geo import left_normal
from vigie.lab.city.names import NameBook
from vigie.lab.city.records import AssetBook, PartDraft
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets, RoadKind, Tier
from vigie.registry.assets import NewAsset

BuildingUse = Literal[
    "school", "nursery", "gym", "pool", "office", "town_hall", "library", "cultural",
    "depot", "social", "other",
]  # fmt: skip
Carrier = Literal["electricity", "gas", "heat", "water"]


@dataclass(frozen=True)
class Use:
    share: float
    floor_area_m2: tuple[float, float]
    built: tuple[int, int]  # range of construction years
    names: tuple[str, ...]  # "{}" takes a person's name


_USES: dict[BuildingUse, Use] = {
    "school": Use(
        0.30, (1_200, 5_000), (1950, 2012), ("Groupe scolaire {}", "École {}", "Collège {}")
    ),
    "nursery": Use(0.08, (250, 900), (1970, 2015), ("Crèche {}", "Multi-accueil {}")),
    "gym": Use(0.12, (800, 3_000), (1960, 2010), ("Gymnase {}", "Salle de sport {}")),
    "pool": Use(0.03, (2_000, 6_500), (1965, 2010), ("Piscine {}", "Centre nautique {}")),
    "office": Use(
        0.10, (600, 8_000), (1900, 2015), ("Centre administratif {}", "Maison des services {}")
    ),
    "library": Use(0.07, (300, 3_000), (1930, 2015), ("Médiathèque {}", "Bibliothèque {}")),
    "cultural": Use(
        0.08, (400, 5_000), (1880, 2015), ("Centre culturel {}", "Salle {}", "Auditorium {}")
    ),
    "depot": Use(0.05, (1_000, 6_000), (1960, 2010), ("Centre technique municipal {}",)),
    "social": Use(
        0.10, (200, 1_500), (1960, 2015), ("Maison des associations {}", "Centre social {}")
    ),
    "other": Use(
        0.07, (100, 1_200), (1950, 2015), ("Vestiaires du stade {}", "Maison de quartier {}")
    ),
}
#: Buildings worth renovating first: energy-hungry uses built before the 1990s rules.
_HUNGRY = {"school", "nursery", "gym", "pool", "town_hall"}
_HEATING: tuple[Carrier, ...] = ("gas", "heat")


@dataclass(frozen=True)
class _Draft:
    use: BuildingUse
    name: str
    xy: tuple[float, float]
    address: str
    floor_area_m2: float
    construction_year: int


def _setback(
    streets: CommuneStreets, sample: int, rng: np.random.Generator
) -> tuple[tuple[float, float], str]:
    """A point 12-15 m off the road at a sample, and its street address."""
    road = streets.roads[int(streets.sample_road[sample])]
    side = 1.0 if rng.random() < 0.5 else -1.0
    normal = left_normal(streets.sample_tangent[sample : sample + 1])[0]
    xy = streets.sample_xy[sample] + side * float(rng.uniform(12.0, 15.0)) * normal
    number = 2 * int(rng.integers(1, 60)) + (0 if side > 0 else 1)
    return (float(xy[0]), float(xy[1])), f"{number} {road.name}"


def _drafts(
    streets: CommuneStreets, quota: CommuneQuota, names: NameBook, rng: np.random.Generator
) -> list[_Draft]:
    drafts: list[_Draft] = []
    uses: list[BuildingUse] = []
    if quota.has_town_hall:
        uses.append("town_hall")
    if streets.tier is Tier.MAIN and quota.buildings > len(uses):
        uses.append("depot")  # the main technical centre, where most of the fleet parks
    labels = list(_USES)
    shares = [_USES[label].share for label in labels]
    uses += [pick(rng, labels, shares) for _ in range(quota.buildings - len(uses))]
    street_samples = streets.samples_on(
        (RoadKind.RESIDENTIAL, RoadKind.COLLECTOR, RoadKind.ARTERIAL)
    )
    pool = street_samples if len(street_samples) else np.arange(len(streets.sample_xy))
    commune = streets.municipality.name
    for use in uses:
        if use == "town_hall":
            square = streets.squares[0] if streets.squares else None
            sample = streets.nearest_sample(*(square.x, square.y) if square else streets.centre)
            xy, address = _setback(streets, sample, rng)
            label = "Hôtel de ville" if streets.tier is Tier.MAIN else "Mairie"
            name = f"{label} de {commune}"
            area = float(
                rng.uniform(4_000, 12_000) if streets.tier is Tier.MAIN else rng.uniform(300, 2_500)
            )
            year = int(rng.integers(1850, 1990))
        else:
            spec = _USES[use]
            xy, address = _setback(streets, int(rng.choice(pool)), rng)
            template = spec.names[int(rng.integers(len(spec.names)))]
            name = template.format(commune if use == "depot" else names.person())
            area = float(rng.uniform(*spec.floor_area_m2))
            year = int(rng.integers(spec.built[0], spec.built[1] + 1))
        drafts.append(_Draft(use, name, xy, address, round(area, -1), year))
    return drafts


def _meters(use: BuildingUse, rng: np.random.Generator) -> list[PartDraft]:
    count = 3 if use == "pool" else int(rng.integers(1, 4))
    carriers: list[Carrier] = ["electricity", pick(rng, _HEATING), "water"][:count]
    return [
        (METER, f"Compteur {carrier}", MeterAttributes(
            energy_carrier=carrier,
            unit="m3" if carrier in ("gas", "water") else "Wh",
        ))
        for carrier in carriers
    ]  # fmt: skip


def generate_buildings(
    communes: list[tuple[CommuneStreets, CommuneQuota, np.random.Generator]],
    renovated: int,
    book: AssetBook,
    rng: np.random.Generator,
) -> list[NewAsset]:
    """Every municipality's buildings; exactly `renovated` of them renovated, chosen among the
    old energy-hungry ones first."""
    drafts: list[tuple[str, _Draft, np.random.Generator]] = []
    for streets, quota, commune_rng in communes:
        names = NameBook(commune_rng)
        drafts += [
            (streets.code, d, commune_rng) for d in _drafts(streets, quota, names, commune_rng)
        ]
    weights = np.array([
        3.0 if draft.use in _HUNGRY and draft.construction_year < 1990 else 1.0
        for _code, draft, _rng in drafts
    ])  # fmt: skip
    chosen = set(
        rng.choice(
            len(drafts), size=min(renovated, len(drafts)), replace=False, p=weights / weights.sum()
        ).tolist()
    )
    buildings = []
    for index, (code, draft, commune_rng) in enumerate(drafts):
        buildings.append(
            book.point(
                BUILDING,
                code,
                draft.name,
                draft.xy,
                BuildingAttributes(
                    building_use=draft.use,
                    floor_area_m2=draft.floor_area_m2,
                    renovated=index in chosen,
                    construction_year=draft.construction_year,
                    address=draft.address,
                ),
                parts=_meters(draft.use, commune_rng),
            )
        )
    return buildings
