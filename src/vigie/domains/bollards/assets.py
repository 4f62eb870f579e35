"""Access bollards' asset type."""

from __future__ import annotations

from typing import Literal

from vigie.domains.network.assets import ON_NETWORK
from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
    ShortText,
)

BOLLARD = "Bollard"


class BollardAttributes(Attributes):
    bollard_kind: Literal["retractable", "removable", "fixed_with_gate"]
    access_zone: ShortText


ASSET_TYPES = (AssetTypeSpec(BOLLARD, BollardAttributes, "Point", links=ON_NETWORK),)
