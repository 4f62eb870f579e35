"""Traffic, CCTV, bollards, buses and vehicles, buildings and the network: readings in
through the real pipeline, alarms out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.alarms.builders import (
    ACCESS_A,
    BOLLARD,
    BUS,
    CAMERA_1,
    CONTROLLER,
    SCHOOL,
    SCHOOL_METER,
    UPLINK_A,
    VAN,
)
from tests.alarms.conftest import World, WorldFactory
from vigie.alarms.model import AlarmState, Severity


def test_controller_flashing_or_off(world: World) -> None:
    world.send(CONTROLLER, mode="actuated", plan=2)
    world.advance(seconds=5)
    world.send(CONTROLLER, mode="flashing", plan=2)
    alarm = world.alarm(CONTROLLER, "traffic.controller_dark")
    assert (alarm.severity, alarm.detail) == (Severity.CRITICAL, "mode flashing")
    world.advance(seconds=5)
    world.send(CONTROLLER, mode="off")
    assert world.alarm(CONTROLLER, "traffic.controller_dark").state == AlarmState.RAISED
    world.advance(seconds=5)
    world.send(CONTROLLER, mode="fixed_time")
    assert world.alarm(CONTROLLER, "traffic.controller_dark").state == AlarmState.CLEARED


def test_detector_and_signal_lamp_faults(world: World) -> None:
    world.send(CONTROLLER, detector_fault=True, signal_lamp_fault=True)
    assert world.rules_raised(CONTROLLER) == {"traffic.detector_fault", "traffic.signal_lamp_fault"}


class Commanded:
    """An expected-plan provider: the controller was told to run plan 3."""

    def expected_plan(self, asset_id: str, now: datetime) -> int | None:
        return 3 if asset_id == CONTROLLER else None


def test_plan_not_the_one_commanded(make_world: WorldFactory) -> None:
    world = make_world(expected_plans=Commanded())
    world.send(CONTROLLER, mode="actuated", plan=5)
    world.advance(minutes=5)
    assert world.alarms_on(CONTROLLER, "traffic.plan_mismatch") == []
    world.advance(minutes=2)
    alarm = world.alarm(CONTROLLER, "traffic.plan_mismatch")
    assert alarm.detail == "running plan 5, commanded plan 3"
    world.send(CONTROLLER, mode="actuated", plan=3)
    assert world.alarm(CONTROLLER, "traffic.plan_mismatch").state == AlarmState.CLEARED


def test_no_plan_alarm_without_a_commanded_plan(world: World) -> None:
    world.send(CONTROLLER, mode="actuated", plan=5)
    world.advance(minutes=10)
    assert world.alarms_on(CONTROLLER, "traffic.plan_mismatch") == []


def test_camera_offline_then_video_lost(world: World) -> None:
    world.send(CAMERA_1, online=False, video_ok=False)
    assert world.rules_raised(CAMERA_1) == {"cctv.camera_offline"}
    world.advance(seconds=30)
    world.send(CAMERA_1, online=True, video_ok=False)
    assert world.rules_raised(CAMERA_1) == {"cctv.video_lost"}
    assert world.alarm(CAMERA_1, "cctv.video_lost").detail == "online true, video_ok false"


def test_bollard_stuck_moving_and_fault(world: World) -> None:
    world.send(BOLLARD, position="moving")
    world.advance(seconds=20)
    assert world.alarms_on(BOLLARD) == []
    world.advance(seconds=20)
    assert world.alarm(BOLLARD, "bollards.stuck").detail == "position moving"
    world.send(BOLLARD, position="up", fault=True)
    assert world.alarm(BOLLARD, "bollards.stuck").state == AlarmState.CLEARED
    assert world.alarm(BOLLARD, "bollards.fault").state == AlarmState.RAISED


def _drive(world: World, minutes: int, **metrics: object) -> None:
    for _ in range(minutes):
        world.send(BUS, **metrics)
        world.advance(minutes=1)


def test_bus_in_service_stopped_too_long(world: World) -> None:
    on_line = {"lon": 5.02, "lat": 47.3302, "next_stop": "Darcy"}
    _drive(world, 9, speed_kmh=0.0, **on_line)
    assert world.alarms_on(BUS, "transit.bus_stopped") == []
    _drive(world, 2, speed_kmh=0.0, **on_line)
    assert "speed_kmh 0 km/h < 1 km/h" in world.alarm(BUS, "transit.bus_stopped").detail
    _drive(world, 1, speed_kmh=3.0, **on_line)  # creeping: not yet moving again
    assert world.alarm(BUS, "transit.bus_stopped").state == AlarmState.RAISED
    _drive(world, 1, speed_kmh=25.0, **on_line)
    assert world.alarm(BUS, "transit.bus_stopped").state == AlarmState.CLEARED
    assert world.alarms_on(BUS, "transit.bus_off_route") == []


def test_a_bus_out_of_service_may_stand_still(world: World) -> None:
    _drive(world, 15, speed_kmh=0.0, lon=5.02, lat=47.33, next_stop="")
    assert world.alarms_on(BUS) == []


def test_bus_off_its_route(world: World) -> None:
    # Line 3 runs along 47.33°; 47.36° is 3.3 km north of it.
    _drive(world, 3, speed_kmh=30.0, lon=5.03, lat=47.36, next_stop="Darcy")
    alarm = world.alarm(BUS, "transit.bus_off_route")
    assert alarm.detail.endswith("m from the corridor of line 3")
    _drive(world, 1, speed_kmh=30.0, lon=5.031, lat=47.3305, next_stop="Darcy")
    assert world.alarm(BUS, "transit.bus_off_route").state == AlarmState.CLEARED


def test_vehicle_stopped_with_its_engine_running(world: World) -> None:
    world.send(VAN, ignition_on=True, speed_kmh=0.0, lon=5.04, lat=47.31)
    world.advance(minutes=19)
    assert world.alarms_on(VAN) == []
    world.advance(minutes=2)
    assert world.alarm(VAN, "fleet.vehicle_idling").state == AlarmState.RAISED
    world.send(VAN, ignition_on=False, speed_kmh=0.0)
    assert world.alarm(VAN, "fleet.vehicle_idling").state == AlarmState.CLEARED


def test_building_drawing_at_night_above_its_usual_night(make_world: WorldFactory) -> None:
    # 21:00 UTC is 22:00 in Dijon in March: the night begins.
    world = make_world(start=datetime(2026, 3, 2, 21, 0, tzinfo=UTC))

    def quarters(count: int, power_w: float) -> None:
        for quarter in range(count):
            world.send(SCHOOL_METER, power_w=power_w + 50 * (quarter % 3))
            world.advance(minutes=15, step=timedelta(minutes=15))

    quarters(28, 2_000.0)  # a night: heating held at its set-back level
    quarters(68, 9_500.0)  # the day (not the baseline: nights are compared with nights)
    quarters(4, 2_100.0)  # the next night, as usual
    assert world.alarms_on(SCHOOL_METER) == []
    quarters(1, 9_000.0)  # everything left on
    assert world.alarms_on(SCHOOL_METER, "buildings.night_consumption") == []
    quarters(1, 9_000.0)  # for half an hour
    alarm = world.alarm(SCHOOL_METER, "buildings.night_consumption")
    assert alarm.detail.startswith("drawing 9000 W at night; usual night level 2050 W")
    assert alarm.municipality_code == "21231" and alarm.asset_type == "Meter"


def test_heating_an_empty_building_at_night(make_world: WorldFactory) -> None:
    world = make_world(start=datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 14:00 in Dijon
    world.send(SCHOOL, hvac_mode="heating", occupied=False, indoor_temp_c=20.0, setpoint_c=19.0)
    world.advance(hours=1, step=timedelta(minutes=5))
    assert world.alarms_on(SCHOOL) == []  # an empty building by day: a holiday, fine
    # Set back to 16 °C for the night: heating to hold it is what a night is for.
    world.send(SCHOOL, hvac_mode="heating", occupied=False, indoor_temp_c=17.0, setpoint_c=16.0)
    world.advance(hours=8, step=timedelta(minutes=10))  # 23:00
    assert world.alarms_on(SCHOOL) == []
    # The day's comfort setpoint left on.
    world.send(SCHOOL, hvac_mode="heating", occupied=False, indoor_temp_c=19.5, setpoint_c=19.0)
    world.advance(minutes=40, step=timedelta(minutes=5))
    alarm = world.alarm(SCHOOL, "buildings.heating_unoccupied")
    assert alarm.detail == (
        "hvac_mode heating, occupied false, setpoint_c 19 °C > 16 °C, between 22:00–05:00"
    )


def test_link_down_and_node_unreachable(world: World) -> None:
    world.send(UPLINK_A, link_up=False)
    world.send(ACCESS_A, reachable=False)
    link = world.alarm(UPLINK_A, "network.link_down")
    node = world.alarm(ACCESS_A, "network.node_unreachable")
    assert link.is_root and node.is_root and link.severity == Severity.CRITICAL
    world.advance(seconds=30)
    world.send(UPLINK_A, link_up=True)
    world.send(ACCESS_A, reachable=True)
    assert world.alarm(UPLINK_A, "network.link_down").state == AlarmState.CLEARED
    assert world.alarm(ACCESS_A, "network.node_unreachable").state == AlarmState.CLEARED
