"""Public buildings' asset type, with their meters (which report under their own id)."""

from __future__ import annotations

from typing import Literal

from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
    PartSpec,
    Positive,
    ShortText,
    Year,
)

BUILDING = "Building"
METER_PART = "meter"
#: Meters report under their part's id; their reporter type is the part's URN type.
METER = "Meter"


class BuildingAttributes(Attributes):
    building_use: Literal[
        "school", "nursery", "gym", "pool", "office", "town_hall", "library", "cultural",
        "depot", "social", "other",
    ]  # fmt: skip
    floor_area_m2: Positive
    renovated: bool = False
    construction_year: Year | None = None
    address: ShortText | None = None


class MeterAttributes(Attributes):
    energy_carrier: Literal["electricity", "gas", "heat", "water"]
    unit: Literal["Wh", "m3"] = "Wh"


METER_SPEC = PartSpec(METER_PART, METER, MeterAttributes, reports=True)

ASSET_TYPES = (AssetTypeSpec(BUILDING, BuildingAttributes, "Point", parts=(METER_SPEC,)),)
