"""The faults the simulator injects, what they strike, how often and how long they last.

Default rates are per device and per day, of the order reported for such equipment (LED
luminaires lose about 1% a year to module and driver failures; a cabinet sees a supply cut
or a tripped breaker once or twice a year; cameras and signal controllers fail every month
or two; a fibre cut is rare): realistic, so a short run at the default rates sees few
faults — multiply them (`--faults 50`) for demonstrations.

Repair times are log-normal around a median, bounded: luminaires wait for a maintenance
round (days), a supply cut is the grid operator's (an hour or so), a breaker needs a
technician (hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vigie.domains.buildings.assets import BUILDING
from vigie.domains.cctv.assets import CAMERA
from vigie.domains.lighting.assets import STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.network.assets import FIBRE_LINK
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.transit.assets import BUS


class FaultKind(StrEnum):
    LAMP_FAILURE = "lamp_failure"
    DRIVER_FAILURE = "driver_failure"
    SUPPLY_LOSS = "supply_loss"
    BREAKER_TRIP = "breaker_trip"
    DOOR_OPEN = "door_open"
    CAMERA_OFFLINE = "camera_offline"
    CONTROLLER_FLASHING = "controller_flashing"
    FIBRE_CUT = "fibre_cut"
    BUS_BREAKDOWN = "bus_breakdown"
    HEATING_LEFT_ON = "heating_left_on"


@dataclass(frozen=True)
class FaultSpec:
    kind: FaultKind
    asset_type: str
    rate_per_device_day: float
    repair_median_h: float
    repair_bounds_h: tuple[float, float]
    description: str


#: Spread of the log-normal repair time: the slowest tenth take about 3× the median.
REPAIR_SIGMA = 0.8

SPECS: dict[FaultKind, FaultSpec] = {
    spec.kind: spec
    for spec in (
        FaultSpec(
            FaultKind.LAMP_FAILURE, STREETLIGHT, 2e-5, 60.0, (4.0, 336.0),
            "LED module failed: lamp_fault true, power ~0 while commanded on",
        ),
        FaultSpec(
            FaultKind.DRIVER_FAILURE, STREETLIGHT, 3e-5, 60.0, (4.0, 336.0),
            "LED driver failed: driver_fault true, dark, standby power only",
        ),
        FaultSpec(
            FaultKind.SUPPLY_LOSS, STREETLIGHT_CONTROL_CABINET, 3e-3, 1.0,
            (0.1, 12.0),
            "mains lost at the cabinet: supply_v 0, its luminaires unpowered and silent",
        ),
        FaultSpec(
            FaultKind.BREAKER_TRIP, STREETLIGHT_CONTROL_CABINET, 5e-3, 6.0,
            (0.5, 48.0),
            "a feeder breaker tripped: breaker_tripped true, that feeder's luminaires silent",
        ),
        FaultSpec(
            FaultKind.DOOR_OPEN, STREETLIGHT_CONTROL_CABINET, 3e-3, 8.0,
            (0.2, 72.0),
            "cabinet door left open or forced: door_open true",
        ),
        FaultSpec(
            FaultKind.CAMERA_OFFLINE, CAMERA, 0.03, 6.0, (0.2, 72.0),
            "camera offline: online and video_ok false, bitrate 0",
        ),
        FaultSpec(
            FaultKind.CONTROLLER_FLASHING, TRAFFIC_SIGNAL_CONTROLLER, 0.015, 2.0,
            (0.2, 24.0),
            "controller fell back to amber flashing: mode flashing, plan 0",
        ),
        FaultSpec(
            FaultKind.FIBRE_CUT, FIBRE_LINK, 5e-5, 8.0, (2.0, 72.0),
            "fibre cut: link_up false; nodes with no other path unreachable, their devices "
            "silent",
        ),
        FaultSpec(
            FaultKind.BUS_BREAKDOWN, BUS, 0.015, 1.0, (0.25, 6.0),
            "bus broken down: stands still off schedule, doors shut",
        ),
        FaultSpec(
            FaultKind.HEATING_LEFT_ON, BUILDING, 0.01, 36.0, (10.0, 120.0),
            "heating schedule stuck on: daytime setpoint and heating power through the nights",
        ),
    )
}  # fmt: skip
