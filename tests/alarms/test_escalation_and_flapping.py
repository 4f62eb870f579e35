"""Escalation of alarms nobody acknowledges, and flapping conditions, with a moved clock."""

from __future__ import annotations

from datetime import timedelta

from tests.alarms.builders import CABINET_1, CAMERA_1
from tests.alarms.conftest import World, WorldFactory
from vigie.alarms import actions
from vigie.alarms.model import AlarmState, Severity
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.store import get_alarm

QUICK = AlarmPolicy(
    escalate_after={
        Severity.MINOR: timedelta(minutes=20),
        Severity.MAJOR: timedelta(minutes=10),
        Severity.CRITICAL: timedelta(minutes=5),
    },
    flap_limit=3,
    flap_window=timedelta(minutes=15),
)


def test_an_alarm_nobody_acknowledges_climbs_and_is_notified_again(
    make_world: WorldFactory,
) -> None:
    world = make_world(policy=QUICK)
    world.send(CABINET_1, breaker_tripped=True)  # major
    alarm = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    assert alarm.escalation_due_at == world.clock.now() + timedelta(minutes=10)
    world.advance(minutes=9)
    assert world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped").severity == Severity.MAJOR
    world.advance(minutes=1)
    escalated = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    assert (escalated.severity, escalated.escalations) == (Severity.CRITICAL, 1)
    assert escalated.rule_severity == Severity.MAJOR
    world.advance(minutes=5)  # critical cannot climb: it is notified again
    again = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    assert (again.severity, again.escalations) == (Severity.CRITICAL, 2)
    assert world.changes_of(alarm.id) == ["raised", "escalated", "escalated"]


def test_an_acknowledged_alarm_does_not_escalate(make_world: WorldFactory) -> None:
    world = make_world(policy=QUICK)
    world.send(CABINET_1, breaker_tripped=True)
    alarm = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    with world.store.begin() as conn:
        current = get_alarm(conn, alarm.id, lock=True)
        assert current is not None
        changes = actions.acknowledge(conn, current, "olga", world.clock.now())
    world.bus.publish_all(changes)
    world.advance(minutes=30)
    acknowledged = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    assert (acknowledged.state, acknowledged.severity) == (AlarmState.ACKNOWLEDGED, Severity.MAJOR)
    assert acknowledged.escalations == 0


def _toggle(world: World, times: int) -> None:
    for _ in range(times):
        world.send(CAMERA_1, online=False)
        world.advance(minutes=1)
        world.send(CAMERA_1, online=True)
        world.advance(minutes=1)


def test_a_flapping_condition_keeps_one_alarm_and_counts_flaps(make_world: WorldFactory) -> None:
    world = make_world(policy=QUICK)
    _toggle(world, 3)  # three occurrences: raised three times, cleared in between
    (alarm,) = world.alarms_on(CAMERA_1, "cctv.camera_offline")
    assert (alarm.state, alarm.occurrences, alarm.flapping) == (AlarmState.CLEARED, 3, False)
    _toggle(world, 4)  # more than 3 in 15 minutes: flapping
    (alarm,) = world.alarms_on(CAMERA_1, "cctv.camera_offline")
    assert alarm.flapping and alarm.flap_count == 4 and alarm.occurrences == 4
    assert alarm.state == AlarmState.RAISED  # held while it flaps, even when back online
    assert world.changes_of(alarm.id).count("raised") == 3
    world.advance(minutes=11)  # the last flap was 13 minutes ago
    assert world.alarm(CAMERA_1, "cctv.camera_offline").state == AlarmState.RAISED
    world.advance(minutes=2)  # quiet for a whole window, and online: it clears
    (alarm,) = world.alarms_on(CAMERA_1, "cctv.camera_offline")
    assert (alarm.state, alarm.flapping) == (AlarmState.CLEARED, False)
