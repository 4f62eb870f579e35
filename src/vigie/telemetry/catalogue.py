"""Which metrics each kind of reporting thing has, gathered from the domain packages."""

from __future__ import annotations

from vigie.domains.bollards.metrics import BOLLARD_METRICS
from vigie.domains.buildings.metrics import BUILDING_METRICS, METER_METRICS
from vigie.domains.cctv.metrics import CAMERA_METRICS
from vigie.domains.fleet.metrics import FLEET_VEHICLE_METRICS
from vigie.domains.lighting.metrics import CABINET_METRICS, STREETLIGHT_METRICS
from vigie.domains.network.metrics import FIBRE_LINK_METRICS, NETWORK_NODE_METRICS
from vigie.domains.traffic.metrics import CONTROLLER_METRICS
from vigie.domains.transit.metrics import BUS_METRICS
from vigie.registry.asset_types import AssetType
from vigie.telemetry.metrics import MetricDescription

#: Meters report under their own part id; their "type" is the part's URN type.
METER = "Meter"

METRICS: dict[str, dict[str, MetricDescription]] = {
    AssetType.STREETLIGHT.value: STREETLIGHT_METRICS,
    AssetType.STREETLIGHT_CONTROL_CABINET.value: CABINET_METRICS,
    AssetType.TRAFFIC_SIGNAL_CONTROLLER.value: CONTROLLER_METRICS,
    AssetType.CAMERA.value: CAMERA_METRICS,
    AssetType.BOLLARD.value: BOLLARD_METRICS,
    AssetType.BUS.value: BUS_METRICS,
    AssetType.FLEET_VEHICLE.value: FLEET_VEHICLE_METRICS,
    AssetType.BUILDING.value: BUILDING_METRICS,
    METER: METER_METRICS,
    AssetType.NETWORK_NODE.value: NETWORK_NODE_METRICS,
    AssetType.FIBRE_LINK.value: FIBRE_LINK_METRICS,
}


def expected_interval_s(reporter_type: str) -> float:
    """The shortest expected reporting interval of a type: silence longer than a few of these
    means the device is not talking."""
    return min(d.expected_interval_s for d in METRICS[reporter_type].values())
