"""Root-cause correlation over the topology: one alarm per cabinet outage or fibre cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from tests.alarms.builders import (
    ACCESS_A,
    ACCESS_B,
    AGGREGATION,
    BOLLARD,
    CABINET_1,
    CAMERA_1,
    CAMERA_2,
    CAMERA_TALANT,
    CONTROLLER,
    CORE_1,
    CORE_2,
    RING_2,
    RING_3,
    UPLINK_A,
    light,
    seed_big_cabinet,
    urn,
)
from tests.alarms.conftest import EVENING, World
from vigie.alarms.model import Alarm, AlarmState
from vigie.core.clock import ManualClock
from vigie.registry.municipalities import seed_reference_municipalities

CABINET_LIGHTS = [light(n) for n in range(1, 7)]
LIT = {"on": True, "dim_pct": 100, "power_w": 39.0}
NETWORK_SIDE = {
    UPLINK_A,
    ACCESS_A,
    ACCESS_B,
    CAMERA_1,
    CAMERA_2,
    CAMERA_TALANT,
    CONTROLLER,
    BOLLARD,
}


def _top_level(alarms: list[Alarm], assets: set[str]) -> list[int]:
    """Ids of the top-level alarms on these assets: what the operator sees."""
    return [a.id for a in alarms if a.asset_id in assets and a.caused_by is None]


def test_a_cabinet_outage_is_one_alarm_with_its_lights_as_consequences(world: World) -> None:
    world.send_many([(lamp, LIT) for lamp in CABINET_LIGHTS])
    world.advance(minutes=1)
    world.send(CABINET_1, supply_v=0.0)
    root = world.alarm(CABINET_1, "lighting.cabinet_supply_loss")
    for _ in range(10):  # the cabinet (on its battery) keeps reporting; its lights are dark
        world.advance(minutes=5)
        world.send(CABINET_1, supply_v=0.0)
    children = [a for lamp in CABINET_LIGHTS for a in world.alarms_on(lamp)]
    assert {(a.rule_id, a.caused_by) for a in children} == {("lighting.offline", root.id)}
    assert len(children) == 6
    assert _top_level(world.all_alarms(), {CABINET_1, *CABINET_LIGHTS}) == [root.id]
    assert all(a.escalation_due_at is None for a in children)

    # Mains back; half the lights come back with it, the others have a fault of their own.
    world.send(CABINET_1, supply_v=231.0)
    assert world.alarm(CABINET_1, "lighting.cabinet_supply_loss").state == AlarmState.CLEARED
    world.advance(minutes=1)
    world.send_many([(lamp, LIT) for lamp in CABINET_LIGHTS[:3]])
    for _ in range(5):  # settling: the root's consequences for 2 of their intervals (30 min)
        world.advance(minutes=5)
        world.send(CABINET_1, supply_v=231.0)
    assert _top_level(world.all_alarms(), {CABINET_1, *CABINET_LIGHTS}) == [root.id]
    world.advance(minutes=5)
    recovered = [world.alarm(lamp, "lighting.offline") for lamp in CABINET_LIGHTS[:3]]
    assert {(a.state, a.caused_by) for a in recovered} == {(AlarmState.CLEARED, root.id)}
    standing = [world.alarm(lamp, "lighting.offline") for lamp in CABINET_LIGHTS[3:]]
    assert {(a.state, a.caused_by) for a in standing} == {(AlarmState.RAISED, None)}
    assert all(world.changes_of(a.id)[-1] == "promoted" for a in standing)
    assert all(a.escalation_due_at is not None for a in standing)


def _advance_with_cabinet_reporting(world: World, minutes: int) -> None:
    for _ in range(minutes):
        world.send(CABINET_1, supply_v=231.0)
        world.advance(minutes=1)


def test_a_root_adopts_the_consequences_that_showed_first(world: World) -> None:
    dark = {"on": True, "dim_pct": 100, "power_w": 0.0}
    world.send(light(3), **dark)
    _advance_with_cabinet_reporting(world, 15)  # light 3 failed long before: its own fault
    world.send_many([(light(1), dark), (light(2), dark)])
    _advance_with_cabinet_reporting(world, 3)
    early = [world.alarm(lamp, "lighting.lamp_failure") for lamp in (light(1), light(2))]
    assert all(a.caused_by is None for a in early)
    world.send(CABINET_1, breaker_tripped=True)
    root = world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped")
    adopted = [world.alarm(lamp, "lighting.lamp_failure") for lamp in (light(1), light(2))]
    assert {(a.caused_by, a.escalation_due_at) for a in adopted} == {(root.id, None)}
    assert all(world.changes_of(a.id) == ["raised", "correlated"] for a in adopted)
    assert world.alarm(light(3), "lighting.lamp_failure").caused_by is None


def test_a_fibre_cut_is_one_alarm_for_the_nodes_and_devices_behind_it(world: World) -> None:
    world.send(UPLINK_A, link_up=False)
    root = world.alarm(UPLINK_A, "network.link_down")
    world.advance(seconds=20)
    world.send_many(
        [
            (ACCESS_A, {"reachable": False}),
            (ACCESS_B, {"reachable": False}),
            (CAMERA_1, {"online": False}),
            (CAMERA_2, {"online": False}),
            (CAMERA_TALANT, {"online": False}),
            (CONTROLLER, {"mode": "off"}),
        ]
    )
    world.advance(minutes=20)  # the bollard behind access B falls silent too
    alarms = [a for a in world.all_alarms() if a.asset_id in NETWORK_SIDE]
    assert _top_level(alarms, NETWORK_SIDE) == [root.id]
    consequences = {(a.asset_id, a.rule_id) for a in alarms if a.caused_by == root.id}
    assert {
        (ACCESS_A, "network.node_unreachable"),
        (ACCESS_B, "network.node_unreachable"),
        (CAMERA_1, "cctv.camera_offline"),
        (CAMERA_TALANT, "cctv.camera_offline"),
        (CONTROLLER, "traffic.controller_dark"),
        (BOLLARD, "bollards.offline"),
    } <= consequences


def test_a_link_down_adopts_the_node_that_went_unreachable_just_before(world: World) -> None:
    world.send(ACCESS_B, reachable=False)
    world.send(CAMERA_2, online=False)
    node = world.alarm(ACCESS_B, "network.node_unreachable")
    assert world.alarm(CAMERA_2, "cctv.camera_offline").caused_by == node.id
    world.advance(seconds=40)
    world.send(urn("FibreLink", 5), link_up=False)  # access A – access B: the real cause
    link = world.alarm(urn("FibreLink", 5), "network.link_down")
    assert world.alarm(ACCESS_B, "network.node_unreachable").caused_by == link.id
    assert world.alarm(CAMERA_2, "cctv.camera_offline").caused_by == link.id  # flattened


def test_a_cut_in_the_ring_leaves_nothing_behind(world: World) -> None:
    world.send(RING_2, link_up=False)
    world.send(ACCESS_A, reachable=False)  # unrelated: the ring still reaches it
    assert world.alarm(ACCESS_A, "network.node_unreachable").caused_by is None


def test_a_second_cut_in_the_ring_is_the_cause_of_what_the_two_isolate(world: World) -> None:
    world.send(RING_2, link_up=False)  # core 1 – aggregation: the ring still holds
    first = world.alarm(RING_2, "network.link_down")
    world.advance(seconds=150)  # (before the nodes, never heard from, fall silent)
    # Aggregation – core 2 too: the aggregation node and everything behind it are cut off.
    # The nodes' reports come first in the batch; the link adopts them.
    world.send_many(
        [
            (AGGREGATION, {"reachable": False}),
            (ACCESS_A, {"reachable": False}),
            (ACCESS_B, {"reachable": False}),
            (RING_3, {"link_up": False}),
        ]
    )
    second = world.alarm(RING_3, "network.link_down")
    cut_off = NETWORK_SIDE | {AGGREGATION, RING_2, RING_3}
    alarms = [a for a in world.all_alarms() if a.asset_id in cut_off]
    assert _top_level(alarms, cut_off) == [first.id, second.id]
    for node in (AGGREGATION, ACCESS_A, ACCESS_B):
        assert world.alarm(node, "network.node_unreachable").caused_by == second.id


def test_nodes_still_cut_off_when_one_cut_is_mended_go_to_the_cut_that_still_isolates_them(
    world: World,
) -> None:
    """Three cuts: the ring's first side (nothing isolated), the access uplink (access A and B
    cut off), the ring's second side (the aggregation node too). Mending the uplink leaves
    the access nodes cut off by the ring's two cuts: their alarms go to the second ring cut,
    not top-level (the scoring run's fibre cuts with more than one top-level alarm)."""
    reachable = dict.fromkeys((CORE_1, CORE_2, AGGREGATION, ACCESS_A, ACCESS_B), True)

    def wait(seconds: int) -> None:
        """Time passes; the network's supervision reports each node's reachability."""
        for _ in range(seconds // 30):
            world.advance(seconds=30)
            world.send_many([(node, {"reachable": up}) for node, up in reachable.items()])

    wait(30)
    world.send(RING_2, link_up=False)
    ring_first = world.alarm(RING_2, "network.link_down")
    wait(150)  # (longer than a root's adoption window)
    world.send(UPLINK_A, link_up=False)
    uplink = world.alarm(UPLINK_A, "network.link_down")
    reachable.update({ACCESS_A: False, ACCESS_B: False})
    wait(30)
    assert world.alarm(ACCESS_A, "network.node_unreachable").caused_by == uplink.id
    wait(150)
    world.send(RING_3, link_up=False)
    ring_second = world.alarm(RING_3, "network.link_down")
    reachable[AGGREGATION] = False
    wait(30)
    assert world.alarm(AGGREGATION, "network.node_unreachable").caused_by == ring_second.id

    wait(150)
    world.send(UPLINK_A, link_up=True)  # mended; the access nodes stay cut off by the ring
    wait(1800)
    for node in (ACCESS_A, ACCESS_B):
        assert world.alarm(node, "network.node_unreachable").caused_by == ring_second.id
    cut_off = {AGGREGATION, ACCESS_A, ACCESS_B, RING_2, RING_3, UPLINK_A}
    alarms = [a for a in world.all_alarms() if a.state != AlarmState.CLEARED]
    assert _top_level(alarms, cut_off) == [ring_first.id, ring_second.id]


def test_a_1000_luminaire_outage_correlates_in_one_pass(sqlite_engine: Engine) -> None:
    """At the scale of a large cabinet: the outcome only. Its time is measured by
    bench/correlation.py (docs/benchmarks.md), not here: a wall-clock bound fails under load."""
    clock = ManualClock(EVENING)
    with sqlite_engine.begin() as conn:
        seed_reference_municipalities(conn)
        lights = seed_big_cabinet(conn, EVENING, 1000)
    world = World(sqlite_engine, clock)
    engine = world.engine
    try:
        cabinet = urn("StreetlightControlCabinet", 90)
        # 1,000 lamp failures first (one gateway message), then the cabinet: adoption.
        world.send_many([(lamp, {"on": True, "power_w": 0.0}) for lamp in lights])
        world.advance(minutes=2)
        world.send(cabinet, breaker_tripped=True)
        root = world.alarm(cabinet, "lighting.cabinet_breaker_tripped")
        assert root.state == AlarmState.RAISED and root.caused_by is None
        # Adopted in that one pass: the 1,000 failures are the root's consequences already.
        adopted = [c.alarm for c in world.changes if c.change.value == "correlated"]
        assert {a.asset_id for a in adopted} == set(lights)
        assert {a.caused_by for a in adopted} == {root.id}
        # Then 1,000 silences at once while the root is active: attachment.
        world.send(cabinet, supply_v=0.0)
        clock.advance(timedelta(minutes=46))
        changes = engine.tick()
        silent = [c.alarm for c in changes if c.alarm.rule_id == "lighting.offline"]
        assert {a.asset_id for a in silent} == set(lights)
        assert {a.caused_by for a in silent} == {root.id}
        assert world.alarm(cabinet, "lighting.cabinet_breaker_tripped").state == "raised"
        failures = [a for a in world.all_alarms() if a.rule_id == "lighting.lamp_failure"]
        assert len(failures) == 1000 and {a.caused_by for a in failures} == {root.id}
        # What the operator sees of the outage: one alarm, the root.
        top = [a.id for a in world.all_alarms() if a.caused_by is None and a.state != "cleared"]
        assert top == [root.id]
    finally:
        engine.close()


def test_the_time_window_is_in_the_reading_not_the_wall(world: World) -> None:
    # A late reading (a gateway catching up) carries its own time: the door was open 20
    # minutes ago, so the 15-minute rule raises at once.
    world.send(CABINET_1, at=world.clock.now() - timedelta(minutes=20), door_open=True)
    assert world.alarm(CABINET_1, "lighting.cabinet_door_open").condition_since == datetime(
        2026, 3, 2, 19, 40, tzinfo=UTC
    )
