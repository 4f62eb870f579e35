"""The municipal fleet's asset type: geotagged vehicles."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
)

FLEET_VEHICLE = "FleetVehicle"


class FleetVehicleAttributes(Attributes):
    vehicle_kind: Literal["car", "van", "truck", "sweeper", "gritter", "aerial_lift", "utility"]
    license_plate: Annotated[str, msgspec.Meta(max_length=16)]
    service: Literal["lighting", "roads", "parks", "police", "waste", "buildings", "network"]
    skills: list[Annotated[str, msgspec.Meta(max_length=40)]] = msgspec.field(default_factory=list)


ASSET_TYPES = (AssetTypeSpec(FLEET_VEHICLE, FleetVehicleAttributes, "Point"),)
