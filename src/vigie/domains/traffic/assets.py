"""Traffic signals' asset types: controllers with their signal groups and detectors."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from vigie.domains.network.assets import ON_NETWORK
from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
    PartSpec,
    ShortText,
    Year,
)

TRAFFIC_SIGNAL_CONTROLLER = "TrafficSignalController"
SIGNAL_GROUP_PART = "signal_group"
DETECTOR_PART = "detector"


class TrafficSignalControllerAttributes(Attributes):
    intersection_name: ShortText
    control_mode: Literal["fixed_time", "actuated", "flashing", "off"] = "fixed_time"
    bus_priority: bool = False
    commissioned_year: Year | None = None
    acoustic_signals: bool = False


class SignalGroupAttributes(Attributes):
    movement: Literal["vehicle", "pedestrian", "bus", "cyclist"]
    approach: ShortText
    min_green_s: Annotated[float, msgspec.Meta(ge=0, le=120)] = 6.0
    pedestrian_clearance_s: Annotated[float, msgspec.Meta(ge=0, le=60)] | None = None


class DetectorAttributes(Attributes):
    detector_kind: Literal["loop", "magnetometer", "video", "radar", "bus_transponder"]
    signal_group: ShortText | None = None


SIGNAL_GROUP = PartSpec(SIGNAL_GROUP_PART, "SignalGroup", SignalGroupAttributes)
DETECTOR = PartSpec(DETECTOR_PART, "Detector", DetectorAttributes)

ASSET_TYPES = (
    AssetTypeSpec(
        TRAFFIC_SIGNAL_CONTROLLER,
        TrafficSignalControllerAttributes,
        "Point",
        parts=(SIGNAL_GROUP, DETECTOR),
        links=ON_NETWORK,
    ),
)
