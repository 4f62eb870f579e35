"""Public transport's asset type: buses."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
)

BUS = "Bus"


class BusAttributes(Attributes):
    fleet_number: Annotated[str, msgspec.Meta(max_length=16)]
    capacity_passengers: Annotated[int, msgspec.Meta(ge=1, le=300)]
    propulsion: Literal["diesel", "hybrid", "electric", "hydrogen", "gnv"]
    line_ref: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    priority_equipped: bool = True


ASSET_TYPES = (AssetTypeSpec(BUS, BusAttributes, "Point"),)
