"""Lighting rules, through the real pipeline: readings in, alarms out."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.alarms.builders import CABINET_1, light
from tests.alarms.conftest import World, WorldFactory
from vigie.alarms.model import AlarmState, Severity

LIGHT = light(1)


def test_supply_loss_trips_below_180_v_and_clears_only_above_200_v(world: World) -> None:
    rule = "lighting.cabinet_supply_loss"
    world.send(CABINET_1, supply_v=231.0)
    assert world.alarms_on(CABINET_1) == []
    world.advance(seconds=10)
    world.send(CABINET_1, supply_v=150.0)
    alarm = world.alarm(CABINET_1, rule)
    assert (alarm.state, alarm.severity, alarm.is_root) == (
        AlarmState.RAISED,
        Severity.CRITICAL,
        True,
    )
    assert alarm.detail == "supply_v 150 V < 180 V"
    world.advance(seconds=10)
    world.send(CABINET_1, supply_v=190.0)  # above the trip level, below the clear level
    assert world.alarm(CABINET_1, rule).state == AlarmState.RAISED
    world.advance(seconds=10)
    world.send(CABINET_1, supply_v=215.0)
    assert world.alarm(CABINET_1, rule).state == AlarmState.CLEARED


def test_breaker_tripped(world: World) -> None:
    world.send(CABINET_1, breaker_tripped=True)
    assert world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped").state == AlarmState.RAISED
    world.advance(seconds=30)
    world.send(CABINET_1, breaker_tripped=False)
    assert world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped").state == AlarmState.CLEARED


def test_a_door_open_counts_only_after_its_minimum_duration(world: World) -> None:
    opened_at = world.clock.now()
    world.send(CABINET_1, door_open=True)
    world.advance(minutes=14)
    assert world.alarms_on(CABINET_1, "lighting.cabinet_door_open") == []
    world.advance(minutes=2)
    alarm = world.alarm(CABINET_1, "lighting.cabinet_door_open")
    assert alarm.condition_since == opened_at
    assert alarm.raised_at == opened_at.replace(minute=15)


def test_a_door_closed_within_the_duration_raises_nothing(world: World) -> None:
    world.send(CABINET_1, door_open=True)
    world.advance(minutes=10)
    world.send(CABINET_1, door_open=False)
    world.advance(minutes=10)
    assert world.alarms_on(CABINET_1) == []


def test_lamp_failure_switched_on_drawing_nothing(world: World) -> None:
    world.send(LIGHT, on=True, dim_pct=100, power_w=0.4)
    world.advance(minutes=2)
    alarm = world.alarm(LIGHT, "lighting.lamp_failure")
    assert alarm.detail == "switched on but drawing 0.4 W (< 2 W)"
    world.send(LIGHT, on=True, dim_pct=100, power_w=39.0)
    assert world.alarm(LIGHT, "lighting.lamp_failure").state == AlarmState.CLEARED


def test_lamp_failure_reported_by_the_node(world: World) -> None:
    world.send(light(2), on=False, lamp_fault=True)
    world.advance(minutes=2)
    assert world.alarm(light(2), "lighting.lamp_failure").detail == "lamp fault reported"


def test_dimming_failure_power_inconsistent_with_the_level(world: World) -> None:
    # Rated 40 W: at 50 % it should draw about 20 W; 39 W means the dimming is ignored.
    world.send(light(3), on=True, dim_pct=50, power_w=39.0)
    world.send(light(4), on=True, dim_pct=50, power_w=21.5)
    world.advance(minutes=6)
    assert "drawing 39 W at 50% of 40 W" in world.alarm(light(3), "lighting.dimming_failure").detail
    assert world.alarms_on(light(4), "lighting.dimming_failure") == []
    assert world.alarms_on(light(3), "lighting.lamp_failure") == []


def test_day_burner_on_in_daylight(make_world: WorldFactory) -> None:
    world = make_world(start=datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # noon in Dijon
    world.send(LIGHT, on=True, dim_pct=100, power_w=39.0)
    world.advance(minutes=9)
    assert world.alarms_on(LIGHT, "lighting.day_burner") == []
    world.advance(minutes=2)
    assert "on in daylight (sunrise 06:1" in world.alarm(LIGHT, "lighting.day_burner").detail
    world.send(LIGHT, on=False, power_w=0.0)
    assert world.alarm(LIGHT, "lighting.day_burner").state == AlarmState.CLEARED


def test_no_day_burner_at_night(world: World) -> None:
    world.send(LIGHT, on=True, dim_pct=100, power_w=39.0)
    world.advance(minutes=20)
    assert world.alarms_on(LIGHT) == []


def test_a_luminaire_missing_three_reports_is_offline(world: World) -> None:
    world.send(LIGHT, on=True, power_w=39.0, dim_pct=100)
    world.advance(minutes=44)
    assert world.alarms_on(LIGHT, "lighting.offline") == []
    world.advance(minutes=3)
    alarm = world.alarm(LIGHT, "lighting.offline")
    assert alarm.detail.startswith(
        "no report for 4"
    ) and alarm.condition_since == world.clock.now().replace(minute=0)
    world.send(LIGHT, on=True, power_w=39.0, dim_pct=100)
    assert world.alarm(LIGHT, "lighting.offline").state == AlarmState.CLEARED
