"""The asset types Vigie manages, their typed attributes, parts and topology relations.

Type names follow the FIWARE Smart Data Models where one exists (Streetlight,
StreetlightControlCabinet, StreetlightFeeder, Camera, FleetVehicle, Building); the others
(TrafficSignalController, Bollard, Bus, NetworkNode, FibreLink) are named the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

Positive = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Year = Annotated[int, msgspec.Meta(ge=1850, le=2100)]


class LampTechnology(StrEnum):
    LED = "LED"
    HPS = "HPS"  # high-pressure sodium
    MH = "MH"  # metal halide


#: EN 13201-2 lighting classes: M for motorised traffic, C for conflict areas, P for
#: pedestrians and slow traffic. Lower number = more light.
LIGHTING_CLASSES: tuple[str, ...] = (
    *("M1", "M2", "M3", "M4", "M5", "M6"),
    *("C0", "C1", "C2", "C3", "C4", "C5"),
    *("P1", "P2", "P3", "P4", "P5", "P6"),
)
LightingClass = Literal[
    "M1", "M2", "M3", "M4", "M5", "M6",
    "C0", "C1", "C2", "C3", "C4", "C5",
    "P1", "P2", "P3", "P4", "P5", "P6",
]  # fmt: skip


class _Attributes(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every type's attributes: unknown attribute names are refused."""


class StreetlightAttributes(_Attributes):
    lamp_technology: LampTechnology
    rated_power_w: Annotated[float, msgspec.Meta(gt=0, le=2000)]
    baseline_power_w: Annotated[float, msgspec.Meta(ge=0, le=2000)]
    lighting_class: LightingClass
    mounting_height_m: Annotated[float, msgspec.Meta(gt=0, le=40)]
    road_name: ShortText | None = None
    installed_year: Year | None = None


class StreetlightControlCabinetAttributes(_Attributes):
    supply_kva: Positive
    feeder_count: Annotated[int, msgspec.Meta(ge=1, le=48)]
    has_energy_meter: bool = True


class TrafficSignalControllerAttributes(_Attributes):
    intersection_name: ShortText
    control_mode: Literal["fixed_time", "actuated", "flashing", "off"] = "fixed_time"
    bus_priority: bool = False
    commissioned_year: Year | None = None
    acoustic_signals: bool = False


class CameraAttributes(_Attributes):
    camera_kind: Literal["fixed", "ptz", "dome"]
    camera_usage: Literal["security", "traffic", "both"]
    resolution: Literal["720p", "1080p", "4K"] = "1080p"


class BollardAttributes(_Attributes):
    bollard_kind: Literal["retractable", "removable", "fixed_with_gate"]
    access_zone: ShortText


class FleetVehicleAttributes(_Attributes):
    vehicle_kind: Literal["car", "van", "truck", "sweeper", "gritter", "aerial_lift", "utility"]
    license_plate: Annotated[str, msgspec.Meta(max_length=16)]
    service: Literal["lighting", "roads", "parks", "police", "waste", "buildings", "network"]
    skills: list[Annotated[str, msgspec.Meta(max_length=40)]] = msgspec.field(default_factory=list)


class BusAttributes(_Attributes):
    fleet_number: Annotated[str, msgspec.Meta(max_length=16)]
    capacity_passengers: Annotated[int, msgspec.Meta(ge=1, le=300)]
    propulsion: Literal["diesel", "hybrid", "electric", "hydrogen", "gnv"]
    line_ref: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    priority_equipped: bool = True


class BuildingAttributes(_Attributes):
    building_use: Literal[
        "school", "nursery", "gym", "pool", "office", "town_hall", "library", "cultural",
        "depot", "social", "other",
    ]  # fmt: skip
    floor_area_m2: Positive
    renovated: bool = False
    construction_year: Year | None = None
    address: ShortText | None = None


class NetworkNodeAttributes(_Attributes):
    node_role: Literal["core", "aggregation", "access"]
    port_count: Annotated[int, msgspec.Meta(ge=1, le=512)] = 24


class FibreLinkAttributes(_Attributes):
    length_m: Positive
    fibre_count: Annotated[int, msgspec.Meta(ge=1, le=864)] = 48


class AssetType(StrEnum):
    STREETLIGHT = "Streetlight"
    STREETLIGHT_CONTROL_CABINET = "StreetlightControlCabinet"
    TRAFFIC_SIGNAL_CONTROLLER = "TrafficSignalController"
    CAMERA = "Camera"
    BOLLARD = "Bollard"
    FLEET_VEHICLE = "FleetVehicle"
    BUS = "Bus"
    BUILDING = "Building"
    NETWORK_NODE = "NetworkNode"
    FIBRE_LINK = "FibreLink"


class PartKind(StrEnum):
    FEEDER = "feeder"
    SIGNAL_GROUP = "signal_group"
    DETECTOR = "detector"
    METER = "meter"


class Relation(StrEnum):
    """Topology: which asset (or part) a dependent asset hangs off."""

    FED_BY = "fed_by"  # streetlight -> cabinet feeder (part)
    CONNECTED_TO = "connected_to"  # device -> network node
    ENDPOINT = "endpoint"  # fibre link -> each of its two nodes


class FeederAttributes(_Attributes):
    circuit: Annotated[int, msgspec.Meta(ge=1, le=48)]
    rated_current_a: Positive = 32.0


class SignalGroupAttributes(_Attributes):
    movement: Literal["vehicle", "pedestrian", "bus", "cyclist"]
    approach: ShortText
    min_green_s: Annotated[float, msgspec.Meta(ge=0, le=120)] = 6.0
    pedestrian_clearance_s: Annotated[float, msgspec.Meta(ge=0, le=60)] | None = None


class DetectorAttributes(_Attributes):
    detector_kind: Literal["loop", "magnetometer", "video", "radar", "bus_transponder"]
    signal_group: ShortText | None = None


class MeterAttributes(_Attributes):
    energy_carrier: Literal["electricity", "gas", "heat", "water"]
    unit: Literal["Wh", "m3"] = "Wh"


@dataclass(frozen=True)
class PartSpec:
    kind: PartKind
    urn_type: str
    attributes: type[_Attributes]


@dataclass(frozen=True)
class AssetTypeSpec:
    """What the registry knows of one asset type."""

    name: AssetType
    attributes: type[_Attributes]
    geometry: Literal["Point", "LineString"]
    parts: tuple[PartSpec, ...] = ()
    #: relation -> (number of links required, asset types or part kinds the target may be)
    links: tuple[tuple[Relation, int, tuple[str, ...]], ...] = ()


FEEDER = PartSpec(PartKind.FEEDER, "StreetlightFeeder", FeederAttributes)
SIGNAL_GROUP = PartSpec(PartKind.SIGNAL_GROUP, "SignalGroup", SignalGroupAttributes)
DETECTOR = PartSpec(PartKind.DETECTOR, "Detector", DetectorAttributes)
METER = PartSpec(PartKind.METER, "Meter", MeterAttributes)
_ON_NETWORK = ((Relation.CONNECTED_TO, 1, (AssetType.NETWORK_NODE.value,)),)

ASSET_TYPES: dict[AssetType, AssetTypeSpec] = {
    spec.name: spec
    for spec in (
        AssetTypeSpec(
            AssetType.STREETLIGHT,
            StreetlightAttributes,
            "Point",
            links=((Relation.FED_BY, 1, (PartKind.FEEDER.value,)),),
        ),
        AssetTypeSpec(
            AssetType.STREETLIGHT_CONTROL_CABINET,
            StreetlightControlCabinetAttributes,
            "Point",
            parts=(FEEDER,),
        ),
        AssetTypeSpec(
            AssetType.TRAFFIC_SIGNAL_CONTROLLER,
            TrafficSignalControllerAttributes,
            "Point",
            parts=(SIGNAL_GROUP, DETECTOR),
            links=_ON_NETWORK,
        ),
        AssetTypeSpec(AssetType.CAMERA, CameraAttributes, "Point", links=_ON_NETWORK),
        AssetTypeSpec(AssetType.BOLLARD, BollardAttributes, "Point", links=_ON_NETWORK),
        AssetTypeSpec(AssetType.FLEET_VEHICLE, FleetVehicleAttributes, "Point"),
        AssetTypeSpec(AssetType.BUS, BusAttributes, "Point"),
        AssetTypeSpec(AssetType.BUILDING, BuildingAttributes, "Point", parts=(METER,)),
        AssetTypeSpec(AssetType.NETWORK_NODE, NetworkNodeAttributes, "Point"),
        AssetTypeSpec(
            AssetType.FIBRE_LINK,
            FibreLinkAttributes,
            "LineString",
            links=((Relation.ENDPOINT, 2, (AssetType.NETWORK_NODE.value,)),),
        ),
    )
}

PART_SPECS: dict[PartKind, PartSpec] = {p.kind: p for p in (FEEDER, SIGNAL_GROUP, DETECTOR, METER)}
