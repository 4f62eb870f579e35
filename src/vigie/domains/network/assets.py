"""The fibre network's asset types: nodes and the links between them.

`ON_NETWORK` is this domain's declared interface to the others: a device that hangs off a
network node declares its link with it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
    Positive,
    Relation,
)

NETWORK_NODE = "NetworkNode"
FIBRE_LINK = "FibreLink"


class NetworkNodeAttributes(Attributes):
    node_role: Literal["core", "aggregation", "access"]
    port_count: Annotated[int, msgspec.Meta(ge=1, le=512)] = 24


class FibreLinkAttributes(Attributes):
    length_m: Positive
    fibre_count: Annotated[int, msgspec.Meta(ge=1, le=864)] = 48


#: A device connected to one network node.
ON_NETWORK = ((Relation.CONNECTED_TO, 1, (NETWORK_NODE,)),)

ASSET_TYPES = (
    AssetTypeSpec(NETWORK_NODE, NetworkNodeAttributes, "Point"),
    AssetTypeSpec(
        FIBRE_LINK,
        FibreLinkAttributes,
        "LineString",
        links=((Relation.ENDPOINT, 2, (NETWORK_NODE,)),),
    ),
)
