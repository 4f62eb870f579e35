"""Street lighting's asset types: luminaires, control cabinets and their feeders.

Names follow the FIWARE Smart Data Models (Streetlight, StreetlightControlCabinet,
StreetlightFeeder).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
    PartSpec,
    Positive,
    Relation,
    ShortText,
    Year,
)

STREETLIGHT = "Streetlight"
STREETLIGHT_CONTROL_CABINET = "StreetlightControlCabinet"
FEEDER_PART = "feeder"


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


class StreetlightAttributes(Attributes):
    lamp_technology: LampTechnology
    rated_power_w: Annotated[float, msgspec.Meta(gt=0, le=2000)]
    baseline_power_w: Annotated[float, msgspec.Meta(ge=0, le=2000)]
    lighting_class: LightingClass
    mounting_height_m: Annotated[float, msgspec.Meta(gt=0, le=40)]
    road_name: ShortText | None = None
    installed_year: Year | None = None


class StreetlightControlCabinetAttributes(Attributes):
    supply_kva: Positive
    feeder_count: Annotated[int, msgspec.Meta(ge=1, le=48)]
    has_energy_meter: bool = True


class FeederAttributes(Attributes):
    circuit: Annotated[int, msgspec.Meta(ge=1, le=48)]
    rated_current_a: Positive = 32.0


FEEDER = PartSpec(FEEDER_PART, "StreetlightFeeder", FeederAttributes)

ASSET_TYPES = (
    AssetTypeSpec(
        STREETLIGHT,
        StreetlightAttributes,
        "Point",
        links=((Relation.FED_BY, 1, (FEEDER_PART,)),),
    ),
    AssetTypeSpec(
        STREETLIGHT_CONTROL_CABINET, StreetlightControlCabinetAttributes, "Point", parts=(FEEDER,)
    ),
)
