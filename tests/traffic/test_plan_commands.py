"""Plan changes as commands through a real Mosquitto to the simulated controllers, tracked
per device until acknowledged (or refused by the device), on both stores; and what Vigie
refuses before sending anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.builders import DIJON, NODE_ID, seed_small_network
from tests.commands.devices import FieldDevices, wait_for
from tests.mosquitto import mosquitto
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import parse_broker_url
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import CommandRefused, Policy
from vigie.commands.mqtt import MqttCommandLink
from vigie.commands.service import Caller, submit
from vigie.commands.store import device_states, get_command
from vigie.commands.targets import TargetSpec
from vigie.core.clock import ManualClock
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput
from vigie.store.schema import audit_log

__all__ = ["mosquitto"]
NOON = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
OPERATOR = Caller("olga", None)
X1 = "urn:ngsi-ld:TrafficSignalController:21231:1"
X2 = "urn:ngsi-ld:TrafficSignalController:21231:2"
X3 = "urn:ngsi-ld:TrafficSignalController:21231:3"


def _controller(asset_id: str, lon: float, mode: str) -> AssetInput:
    return AssetInput(
        type="TrafficSignalController",
        id=asset_id,
        name=f"Carrefour {asset_id[-1]}",
        municipality_code=DIJON,
        lon=lon,
        lat=47.3224,
        attributes={"intersection_name": "Liberté / Darcy", "control_mode": mode,
                    "bus_priority": True},
        parts=[
            {"kind": "signal_group", "id": f"{asset_id}-SG1",
             "attributes": {"movement": "vehicle", "approach": "est", "min_green_s": 8}},
            {"kind": "signal_group", "id": f"{asset_id}-SG2",
             "attributes": {"movement": "pedestrian", "approach": "est", "min_green_s": 5,
                            "pedestrian_clearance_s": 13}},
        ],
        links=[{"relation": "connected_to", "target_id": NODE_ID}],
    )  # fmt: skip


class Rig:
    def __init__(self, engine: Engine, broker: LocalBroker) -> None:
        self.engine = engine
        self.url = broker.url
        self.clock = ManualClock(NOON)
        self.dispatcher = Dispatcher(engine, self.clock, self)
        self.link = MqttCommandLink(parse_broker_url(broker.url), self.dispatcher.on_ack)
        self.devices = FieldDevices(engine, NOON)

    def publish(self, topic: str, payload: bytes) -> None:
        self.link.publish(topic, payload)

    def set_plan(self, assets: list[str], **params: object) -> str:
        command = submit(
            self.engine, OPERATOR, domain="traffic", action="set_plan", params=dict(params),
            target=TargetSpec(assets=assets), policy=Policy(), now=self.clock.now(),
        )  # fmt: skip
        return command.id

    def statuses(self, command_id: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {d.asset_id: d.status for d in device_states(conn, command_id)}


def deliver(rig: Rig, expected: int) -> None:
    """Send, and wait (bounded) for `expected` answers. A command published before the
    simulated devices' subscription has reached the broker is lost, as in the field: it is
    sent again after the retry wait, as the dispatcher does."""
    for _attempt in range(Policy().max_attempts):
        rig.dispatcher.tick()
        try:
            wait_for(lambda: rig.dispatcher.pending_acks() >= expected, timeout_s=10.0)
            return
        except AssertionError:
            rig.clock.advance(Policy().retry_after)
    raise AssertionError(f"fewer than {expected} answers after every attempt")


@pytest.fixture
def rig(engine: Engine, mosquitto: LocalBroker) -> Iterator[Rig]:
    with engine.begin() as conn:
        seed_small_network(conn, NOON - timedelta(days=1))
        rows = [
            _controller(X1, 5.036, "actuated"),
            _controller(X2, 5.037, "fixed_time"),
            _controller(X3, 5.038, "flashing"),
        ]
        create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=NOON)
    made = Rig(engine, mosquitto)
    yield made
    made.devices.close()
    made.link.close()


@pytest.mark.postgres
def test_a_plan_change_is_acknowledged_by_each_controller(rig: Rig) -> None:
    rig.devices.connect(rig.url)
    until = (NOON + timedelta(minutes=30)).isoformat()
    command_id = rig.set_plan([X1, X2], plan=4, until=until)
    assert set(rig.statuses(command_id).values()) == {"pending"}
    deliver(rig, 2)
    report = rig.dispatcher.tick()
    assert report.answers >= 2 and report.closed == 1
    assert rig.statuses(command_id) == {X1: "acknowledged", X2: "acknowledged"}
    with rig.engine.connect() as conn:
        command = get_command(conn, command_id)
        audited = conn.scalars(select(audit_log.c.action)).all()
    assert command is not None and command.status == "completed"
    assert any("command" in str(action) for action in audited)
    traffic = rig.devices.simulation.traffic
    overrides = [traffic.plan_override[traffic.index[x]] for x in (X1, X2)]
    assert [o[0] if o else None for o in overrides] == [4, 4]


@pytest.mark.postgres
def test_a_flashing_controller_refuses_the_plan(rig: Rig) -> None:
    simulation = rig.devices.simulation
    index = simulation.traffic.index[X1]
    simulation.traffic.start_fault("controller_flashing", index, simulation.now_s)
    rig.devices.connect(rig.url)
    command_id = rig.set_plan([X1], plan=2)
    deliver(rig, 1)
    rig.dispatcher.tick()
    assert rig.statuses(command_id) == {X1: "failed"}
    with rig.engine.connect() as conn:
        failed = device_states(conn, command_id, status="failed")
    assert failed[0].reason == "the controller is in flashing mode"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("assets", "params", "reason"),
    [
        ([X1], {"plan": 0}, "between 1 and 255"),
        ([X1], {"plan": 3.5}, "between 1 and 255"),
        ([X1], {"plan": 2, "cycle_s": 30}, "unknown parameters: cycle_s"),
        ([X1], {"plan": 2, "until": "tonight"}, "RFC 3339"),
        ([X3], {"plan": 2}, "flashing: it runs no plan"),
    ],
)
def test_vigie_refuses_a_bad_plan_command_before_sending(
    rig: Rig, assets: list[str], params: dict[str, object], reason: str
) -> None:
    with pytest.raises(CommandRefused) as refused:
        rig.set_plan(assets, **params)
    assert any(reason in r for r in refused.value.reasons)
    assert rig.dispatcher.tick().sent == 0
