"""Generate the whole digital twin of the metropolitan area, as registry records.

Pure: no store, no clock, no global randomness. The same seed, scale and municipalities give
the same records, byte for byte; another seed moves everything around but keeps the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from vigie.domains.bollards.assets import BOLLARD
from vigie.domains.buildings.assets import BUILDING
from vigie.domains.cctv.assets import CAMERA
from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.lighting.assets import STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.network.assets import FIBRE_LINK, NETWORK_NODE
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.transit.assets import BUS
from vigie.lab.city.bollards import generate_bollards
from vigie.lab.city.buildings import generate_buildings
from vigie.lab.city.cameras import generate_cameras
from vigie.lab.city.counts import CityPlan, plan_city
from vigie.lab.city.fleet import generate_fleet
from vigie.lab.city.geo import LocalFrame
from vigie.lab.city.lighting import generate_lighting
from vigie.lab.city.network import Device, generate_network
from vigie.lab.city.records import AssetBook
from vigie.lab.city.seeding import Stream, rng_for
from vigie.lab.city.streets import lay_out_streets
from vigie.lab.city.traffic import generate_traffic
from vigie.lab.city.transit import generate_buses
from vigie.registry.asset_types import ASSET_TYPES, Relation
from vigie.registry.assets import Link, NewAsset
from vigie.registry.municipalities import Municipality

#: The stages reported to `on_stage`, in order.
STAGES: tuple[str, ...] = (
    "streets", "lighting", "traffic signals", "cameras", "bollards", "buildings", "buses",
    "fleet", "fibre network",
)  # fmt: skip

_ON_NETWORK = frozenset((TRAFFIC_SIGNAL_CONTROLLER, CAMERA, BOLLARD))
#: Order of the records: whatever a link points to comes before it, so the list can be
#: validated (or imported) front to back.
_WRITE_ORDER = (
    NETWORK_NODE, FIBRE_LINK, STREETLIGHT_CONTROL_CABINET,
    STREETLIGHT, TRAFFIC_SIGNAL_CONTROLLER, CAMERA,
    BOLLARD, BUS, FLEET_VEHICLE, BUILDING,
)  # fmt: skip


@dataclass(frozen=True)
class GeneratedCity:
    seed: int
    scale: float
    assets: tuple[NewAsset, ...]
    counts: dict[str, int]  # asset type -> number, for every type
    fibre_length_m: float
    renovated_buildings: int

    def summary(self) -> dict[str, Any]:
        """What the audit log keeps of a generation."""
        return {
            "seed": self.seed,
            "scale": self.scale,
            "counts": dict(self.counts),
            "fibre_length_m": self.fibre_length_m,
            "renovated_buildings": self.renovated_buildings,
        }


def generate_city(
    seed: int,
    scale: float,
    municipalities: Sequence[Municipality],
    on_stage: Callable[[str], None] | None = None,
) -> GeneratedCity:
    """The city's assets for `seed` at `scale` (1.0 = Dijon Métropole) over `municipalities`;
    `on_stage` is told the name of each stage (see STAGES) as it starts."""
    report = on_stage or (lambda _stage: None)
    ordered = sorted(municipalities, key=lambda m: m.code)
    plan = plan_city(scale, ordered)
    frame = LocalFrame(sum(m.lat for m in ordered) / len(ordered))
    book = AssetBook(frame)
    quotas = [plan.quota(m.code) for m in ordered]

    report("streets")
    communes = [
        lay_out_streets(
            municipality,
            frame.polygon(municipality.boundary)
            if municipality.boundary
            else frame.disc(municipality.lon, municipality.lat, municipality.area_km2),
            frame.to_metres(municipality.lon, municipality.lat),
            quota.streetlights,
            municipality.code == plan.main_code,
            rng_for(seed, Stream.STREETS, index),
        )
        for index, (municipality, quota) in enumerate(zip(ordered, quotas, strict=True))
    ]
    per_commune = list(enumerate(zip(communes, quotas, strict=True)))
    assets: list[NewAsset] = []

    report("lighting")
    for i, (streets, quota) in per_commune:
        assets += generate_lighting(streets, quota, book, rng_for(seed, Stream.LIGHTING, i))

    report("traffic signals")
    signalised = []
    for i, (streets, quota) in per_commune:
        controllers, crossings = generate_traffic(
            streets, quota, book, rng_for(seed, Stream.TRAFFIC, i)
        )
        assets += controllers
        signalised.append(crossings)

    report("cameras")
    for i, (streets, quota) in per_commune:
        assets += generate_cameras(
            streets, quota, signalised[i], book, rng_for(seed, Stream.CAMERAS, i)
        )

    report("bollards")
    for i, (streets, quota) in per_commune:
        assets += generate_bollards(streets, quota, book, rng_for(seed, Stream.BOLLARDS, i))

    report("buildings")
    buildings = generate_buildings(
        [
            (streets, quota, rng_for(seed, Stream.BUILDINGS, i + 1))
            for i, (streets, quota) in per_commune
        ],
        plan.renovated_buildings,
        book,
        rng_for(seed, Stream.BUILDINGS, 0),
    )
    assets += buildings

    report("buses")
    assets += generate_buses(
        communes, plan.main_code, plan.buses, book, rng_for(seed, Stream.TRANSIT)
    )

    report("fleet")
    depots = [
        (b.municipality_code, frame.to_metres(b.lon, b.lat))
        for b in buildings
        if b.attributes["building_use"] == "depot"
    ]
    assets += generate_fleet(
        communes, depots, plan.fleet_vehicles, book, rng_for(seed, Stream.FLEET)
    )

    report("fibre network")
    devices = [
        Device(a.id, a.municipality_code, frame.to_metres(a.lon, a.lat))
        for a in assets
        if a.type in _ON_NETWORK
    ]
    network, node_of = generate_network(
        communes, plan, devices, book, rng_for(seed, Stream.NETWORK)
    )
    assets = [
        msgspec.structs.replace(a, links=(Link(Relation.CONNECTED_TO.value, node_of[a.id]),))
        if a.type in _ON_NETWORK
        else a
        for a in assets
    ] + network
    return _finish(seed, plan, assets)


def _finish(seed: int, plan: CityPlan, assets: list[NewAsset]) -> GeneratedCity:
    rank = {asset_type: i for i, asset_type in enumerate(_WRITE_ORDER)}
    ordered = sorted(assets, key=lambda a: rank[a.type])  # stable: keeps generation order
    counts = Counter(a.type for a in ordered)
    expected = dict(plan.totals())
    if dict(counts) != {t: n for t, n in expected.items() if n}:
        # A layout that cannot hold its quota is a bug of the generator, not bad input.
        raise RuntimeError(f"generated {dict(counts)} instead of the planned {expected}")
    return GeneratedCity(
        seed=seed,
        scale=plan.scale,
        assets=tuple(ordered),
        counts={t: counts.get(t, 0) for t in ASSET_TYPES},
        fibre_length_m=round(
            sum(a.attributes["length_m"] for a in ordered if a.type == FIBRE_LINK),
            1,
        ),
        renovated_buildings=sum(
            1 for a in ordered if a.type == BUILDING and a.attributes["renovated"]
        ),
    )
