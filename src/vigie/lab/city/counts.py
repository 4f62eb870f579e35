"""How many of each asset the generated city holds, in total and per municipality.

The reference figures are those of the Dijon Métropole contract (2017): 34,000 LED light
points, 113 signalised intersections and 180 buses with bus priority, 205 geotagged vehicles,
269 cameras, 26 access bollards, 180 buildings of which 13 renovated, 140 km of fibre.
Every count here depends on the scale and the municipalities only, never on the seed: the seed
moves things around, it does not change how many there are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vigie.domains.bollards.assets import BOLLARD
from vigie.domains.buildings.assets import BUILDING
from vigie.domains.cctv.assets import CAMERA
from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.lighting.assets import STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.network.assets import FIBRE_LINK, NETWORK_NODE
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.transit.assets import BUS
from vigie.registry.municipalities import Municipality

REFERENCE_STREETLIGHTS = 34_000
REFERENCE_TRAFFIC_SIGNAL_CONTROLLERS = 113
REFERENCE_BUSES = 180
REFERENCE_FLEET_VEHICLES = 205
REFERENCE_CAMERAS = 269
REFERENCE_BOLLARDS = 26
REFERENCE_BUILDINGS = 180
REFERENCE_RENOVATED_BUILDINGS = 13
REFERENCE_FIBRE_LENGTH_M = 140_000.0

#: A cabinet of the reference network feeds about this many lights, and never more than the max.
LIGHTS_PER_CABINET = 80
MAX_LIGHTS_PER_CABINET = 120
#: Field devices (controllers, cameras, bollards) served by one access node, at most.
DEVICES_PER_ACCESS_NODE = 6
#: The main municipality gets one more aggregation node per this many field devices.
DEVICES_PER_MAIN_AGGREGATION_NODE = 80
CORE_NODES = 2


def parse_scale(text: str) -> float:
    """``dijon`` (the reference city, 1.0) or a positive multiplier such as ``5`` or ``0.1``."""
    if text.strip().lower() == "dijon":
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"scale must be 'dijon' or a positive number, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"scale must be 'dijon' or a positive number, not {text!r}")
    return value


def scaled(reference: int, scale: float) -> int:
    """The reference count times the scale, rounded half up, and at least one."""
    return max(1, math.floor(reference * scale + 0.5))


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` with whole numbers that sum to it exactly
    (largest remainder; ties go to the earlier entry)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight_sum for w in weights]
    shares = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


@dataclass(frozen=True)
class CommuneQuota:
    """What one municipality receives."""

    code: str
    streetlights: int
    cabinets: int
    traffic_signal_controllers: int
    cameras: int
    bollards: int
    buildings: int
    has_town_hall: bool
    aggregation_nodes: int
    access_nodes: int

    @property
    def field_devices(self) -> int:
        """Devices that hang off the fibre network (connected_to a node)."""
        return self.traffic_signal_controllers + self.cameras + self.bollards


@dataclass(frozen=True)
class CityPlan:
    scale: float
    main_code: str
    buses: int
    fleet_vehicles: int
    renovated_buildings: int
    fibre_length_m: float
    communes: tuple[CommuneQuota, ...]

    def quota(self, code: str) -> CommuneQuota:
        return next(q for q in self.communes if q.code == code)

    @property
    def fibre_links(self) -> int:
        """Core pair + ring through the other municipalities' aggregation nodes (closed at
        both core nodes) + main aggregation nodes dual-homed to the core + one uplink per
        access node."""
        main = self.quota(self.main_code)
        others = sum(q.aggregation_nodes for q in self.communes if q.code != self.main_code)
        ring = others + 1 if others else 0
        access = sum(q.access_nodes for q in self.communes)
        return 1 + ring + 2 * main.aggregation_nodes + access

    def totals(self) -> dict[str, int]:
        """The number of assets of every type the city will hold."""

        def total(field: str) -> int:
            return sum(int(getattr(q, field)) for q in self.communes)

        nodes = CORE_NODES + total("aggregation_nodes") + total("access_nodes")
        return {
            STREETLIGHT: total("streetlights"),
            STREETLIGHT_CONTROL_CABINET: total("cabinets"),
            TRAFFIC_SIGNAL_CONTROLLER: total("traffic_signal_controllers"),
            CAMERA: total("cameras"),
            BOLLARD: total("bollards"),
            FLEET_VEHICLE: self.fleet_vehicles,
            BUS: self.buses,
            BUILDING: total("buildings"),
            NETWORK_NODE: nodes,
            FIBRE_LINK: self.fibre_links,
        }


def cabinets_for(streetlights: int) -> int:
    if streetlights == 0:
        return 0
    return max(
        1,
        math.ceil(streetlights / MAX_LIGHTS_PER_CABINET),
        round(streetlights / LIGHTS_PER_CABINET),
    )


def plan_city(scale: float, municipalities: Sequence[Municipality]) -> CityPlan:
    """Totals from the reference figures times `scale`, spread over the municipalities:
    lights by population and area (villages light more per inhabitant), controllers and
    cameras more than proportionally to population (they follow traffic and crowds),
    bollards in the main municipality's pedestrian centre, a town hall in each municipality."""
    if not municipalities:
        raise ValueError("the city needs at least one municipality")
    communes = sorted(municipalities, key=lambda m: m.code)
    main = max(communes, key=lambda m: (m.population, m.code))
    population = [float(m.population) for m in communes]
    area = [m.area_km2 for m in communes]
    light_weights = [
        0.9 * p / sum(population) + 0.1 * a / sum(area)
        for p, a in zip(population, area, strict=True)
    ]
    lights = apportion(scaled(REFERENCE_STREETLIGHTS, scale), light_weights)
    controllers = apportion(
        scaled(REFERENCE_TRAFFIC_SIGNAL_CONTROLLERS, scale), [p**1.3 for p in population]
    )
    cameras = apportion(scaled(REFERENCE_CAMERAS, scale), [p**1.5 for p in population])
    bollard_total = scaled(REFERENCE_BOLLARDS, scale)
    building_total = scaled(REFERENCE_BUILDINGS, scale)
    by_population = sorted(range(len(communes)), key=lambda i: (-population[i], communes[i].code))
    town_halls = set(by_population[: min(building_total, len(communes))])
    other_buildings = apportion(building_total - len(town_halls), population)
    quotas = []
    for i, commune in enumerate(communes):
        is_main = commune.code == main.code
        bollards = bollard_total if is_main else 0
        devices = controllers[i] + cameras[i] + bollards
        quotas.append(
            CommuneQuota(
                code=commune.code,
                streetlights=lights[i],
                cabinets=cabinets_for(lights[i]),
                traffic_signal_controllers=controllers[i],
                cameras=cameras[i],
                bollards=bollards,
                buildings=other_buildings[i] + (1 if i in town_halls else 0),
                has_town_hall=i in town_halls,
                aggregation_nodes=1 + devices // DEVICES_PER_MAIN_AGGREGATION_NODE
                if is_main
                else 1,
                access_nodes=math.ceil(devices / DEVICES_PER_ACCESS_NODE),
            )
        )
    return CityPlan(
        scale=scale,
        main_code=main.code,
        buses=scaled(REFERENCE_BUSES, scale),
        fleet_vehicles=scaled(REFERENCE_FLEET_VEHICLES, scale),
        renovated_buildings=min(scaled(REFERENCE_RENOVATED_BUILDINGS, scale), building_total),
        fibre_length_m=REFERENCE_FIBRE_LENGTH_M * scale,
        communes=tuple(quotas),
    )
