"""The municipal fleet: geotagged service vehicles, most parked at the technical centres,
the others out on the streets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from vigie.domains.fleet.assets import FLEET_VEHICLE, FleetVehicleAttributes
from vigie.lab.city.counts import apportion
from vigie.lab.city.names import plate_numbers
from vigie.lab.city.records import AssetBook
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets
from vigie.registry.assets import NewAsset

VehicleKind = Literal["car", "van", "truck", "sweeper", "gritter", "aerial_lift", "utility"]
ServiceName = Literal["lighting", "roads", "parks", "police", "waste", "buildings", "network"]


@dataclass(frozen=True)
class Service:
    name: ServiceName
    share: float
    kinds: tuple[VehicleKind, ...]
    skills: tuple[str, ...]


SERVICES: tuple[Service, ...] = (
    Service("lighting", 0.15, ("van", "aerial_lift"), ("electrical_clearance", "aerial_work")),
    Service("roads", 0.25, ("truck", "sweeper", "gritter", "van"), ("winter_service", "signage")),
    Service("parks", 0.18, ("utility", "van", "truck"), ("tree_care",)),
    Service("police", 0.15, ("car",), ()),
    Service("waste", 0.10, ("truck", "utility"), ()),
    Service("buildings", 0.10, ("van", "car"), ("electrical_clearance", "hvac")),
    Service("network", 0.07, ("van",), ("fibre_splicing", "electrical_clearance")),
)
_KIND_LABELS: dict[VehicleKind, str] = {
    "car": "Voiture", "van": "Fourgon", "truck": "Camion", "sweeper": "Balayeuse",
    "gritter": "Saleuse", "aerial_lift": "Nacelle", "utility": "Utilitaire",
}  # fmt: skip
#: Share of the vehicles parked at a depot when the city is generated.
_AT_DEPOT = 0.65


def generate_fleet(
    communes: list[CommuneStreets],
    depots: list[tuple[str, tuple[float, float]]],
    count: int,
    book: AssetBook,
    rng: np.random.Generator,
) -> list[NewAsset]:
    """`count` vehicles; `depots` are (municipality code, position) of the technical centres.
    Vehicles out on the streets are spread in proportion to each municipality's streets."""
    by_code = {c.code: c for c in communes}
    street_length = [float(len(c.sample_xy)) for c in communes]
    services = [
        service
        for service, n in zip(SERVICES, apportion(count, [s.share for s in SERVICES]), strict=True)
        for _ in range(n)
    ]
    vehicles = []
    for plate, service in zip(plate_numbers(rng, count), services, strict=True):
        if depots and rng.random() < _AT_DEPOT:
            code, (x, y) = depots[int(rng.integers(len(depots)))]
            # Parked in the yard, within a few metres of the building.
            xy = (x + float(rng.uniform(-6, 6)), y + float(rng.uniform(-6, 6)))
            where = by_code[code]
        else:
            where = pick(rng, communes, street_length)
            sample = int(rng.integers(len(where.sample_xy)))
            xy = (float(where.sample_xy[sample, 0]), float(where.sample_xy[sample, 1]))
        kind = pick(rng, service.kinds)
        vehicles.append(
            book.point(
                FLEET_VEHICLE,
                where.code,
                f"{_KIND_LABELS[kind]} {plate}",
                xy,
                FleetVehicleAttributes(
                    vehicle_kind=kind,
                    license_plate=plate,
                    service=service.name,
                    skills=list(service.skills),
                ),
            )
        )
    return vehicles
