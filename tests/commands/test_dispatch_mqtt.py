"""Commands through a real Mosquitto to the simulated devices: per-device tracking with
acknowledgements, refusals by the device, retries while a device is offline, expiry after
the last attempt and at the command's expiry — on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.builders import DIJON, seed_small_network
from tests.commands.devices import FieldDevices, wait_for
from tests.mosquitto import Publisher, mosquitto
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import parse_broker_url
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import Policy
from vigie.commands.mqtt import MqttCommandLink
from vigie.commands.service import Caller, submit
from vigie.commands.store import device_states, get_command
from vigie.commands.targets import TargetSpec
from vigie.core.clock import ManualClock
from vigie.protocol.commands import ack_topic
from vigie.store.schema import dead_letters

__all__ = ["mosquitto"]
NIGHT = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)
OPERATOR = Caller("olga", None)


class Rig:
    def __init__(self, engine: Engine, broker: LocalBroker) -> None:
        self.engine = engine
        self.url = broker.url
        self.clock = ManualClock(NIGHT)
        self.dispatcher = Dispatcher(engine, self.clock, self)
        self.link = MqttCommandLink(parse_broker_url(broker.url), self.dispatcher.on_ack)
        self.devices = FieldDevices(engine, NIGHT)

    def publish(self, topic: str, payload: bytes) -> None:
        self.link.publish(topic, payload)

    def send(self, level: float, policy: Policy, municipality: str = DIJON) -> str:
        command = submit(
            self.engine, OPERATOR, domain="lighting", action="set_level",
            params={"level_pct": level}, target=TargetSpec(municipality=municipality),
            policy=policy, now=self.clock.now(),
        )  # fmt: skip
        return command.id

    def statuses(self, command_id: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {d.asset_id: d.status for d in device_states(conn, command_id)}

    def attempts(self, command_id: str) -> set[int]:
        with self.engine.connect() as conn:
            return {d.attempts for d in device_states(conn, command_id)}


@pytest.fixture
def rig(engine: Engine, mosquitto: LocalBroker) -> Iterator[Rig]:
    with engine.begin() as conn:
        seed_small_network(conn, NIGHT - timedelta(days=1))
    made = Rig(engine, mosquitto)
    yield made
    made.devices.close()
    made.link.close()


def test_every_device_acknowledges_and_the_command_completes(rig: Rig) -> None:
    rig.devices.connect(rig.url)
    command_id = rig.send(80, Policy())
    assert rig.dispatcher.tick().sent == 10
    assert set(rig.statuses(command_id).values()) == {"sent"}
    wait_for(lambda: rig.dispatcher.pending_acks() == 10)
    report = rig.dispatcher.tick()
    assert report.answers == 10 and report.closed == 1
    assert set(rig.statuses(command_id).values()) == {"acknowledged"}
    with rig.engine.connect() as conn:
        command = get_command(conn, command_id)
    assert command is not None and command.status == "completed"
    assert command.counts == {"acknowledged": 10}
    lighting = rig.devices.simulation.lighting
    dijon = [i for i, a in enumerate(lighting.light_ids) if f":{DIJON}:" in a]
    assert {float(lighting.bank.level[i]) for i in dijon} == {80.0}


def test_a_device_that_refuses_is_failed_with_its_reason(rig: Rig) -> None:
    simulation = rig.devices.simulation
    broken = simulation.lighting.light_ids.index("urn:ngsi-ld:Streetlight:21231:3")
    simulation.lighting.start_fault("driver_failure", broken, simulation.now_s)
    rig.devices.connect(rig.url)
    command_id = rig.send(90, Policy())
    rig.dispatcher.tick()
    wait_for(lambda: rig.dispatcher.pending_acks() == 10)
    rig.dispatcher.tick()
    statuses = rig.statuses(command_id)
    assert statuses.pop("urn:ngsi-ld:Streetlight:21231:3") == "failed"
    assert set(statuses.values()) == {"acknowledged"}
    with rig.engine.connect() as conn:
        failed = device_states(conn, command_id, status="failed")
    assert failed[0].reason == "driver fault: the luminaire cannot be lit"


def test_retries_reach_a_device_that_comes_back_online(rig: Rig) -> None:
    policy = Policy(expires_in=timedelta(minutes=5), max_attempts=3,
                    retry_after=timedelta(seconds=20))  # fmt: skip
    command_id = rig.send(70, policy)
    assert rig.dispatcher.tick().sent == 10  # nobody listens: lost
    assert rig.attempts(command_id) == {1}
    rig.clock.advance(timedelta(seconds=10))
    assert rig.dispatcher.tick().sent == 0  # not due yet
    rig.devices.connect(rig.url)
    rig.clock.advance(timedelta(seconds=10))
    assert rig.dispatcher.tick().sent == 10  # second attempt
    wait_for(lambda: rig.dispatcher.pending_acks() == 10)
    rig.dispatcher.tick()
    assert set(rig.statuses(command_id).values()) == {"acknowledged"}
    assert rig.attempts(command_id) == {2}


def test_no_answer_after_every_attempt_expires_the_device(rig: Rig) -> None:
    policy = Policy(expires_in=timedelta(minutes=5), max_attempts=2,
                    retry_after=timedelta(seconds=20))  # fmt: skip
    command_id = rig.send(70, policy)
    rig.dispatcher.tick()
    rig.clock.advance(timedelta(seconds=20))
    assert rig.dispatcher.tick().sent == 10
    rig.clock.advance(timedelta(seconds=20))
    report = rig.dispatcher.tick()
    assert report.sent == 0 and report.expired == 10 and report.closed == 1
    with rig.engine.connect() as conn:
        states = device_states(conn, command_id)
        command = get_command(conn, command_id)
    assert {s.status for s in states} == {"expired"}
    assert {s.reason for s in states} == {"no acknowledgement after every attempt"}
    assert command is not None and command.status == "expired"


def test_the_command_expiry_ends_delivery(rig: Rig) -> None:
    policy = Policy(expires_in=timedelta(seconds=30), max_attempts=5,
                    retry_after=timedelta(seconds=20))  # fmt: skip
    command_id = rig.send(70, policy)
    rig.dispatcher.tick()
    rig.clock.advance(timedelta(seconds=31))
    report = rig.dispatcher.tick()
    assert report.sent == 0 and report.expired == 10
    with rig.engine.connect() as conn:
        states = device_states(conn, command_id)
    assert {s.reason for s in states} == {"the command expired before the device acknowledged it"}
    # A device coming online later never acts on it: nothing is sent any more.
    rig.devices.connect(rig.url)
    rig.clock.advance(timedelta(minutes=5))
    assert rig.dispatcher.tick().sent == 0


def test_forged_acknowledgements_are_refused_and_dead_lettered(rig: Rig) -> None:
    """Issue #20: an acknowledgement counts only from the device the command was sent to, for
    a command sent to it; a forged one (from another device's topic, or before the command
    was sent) used to turn an operator's real command to acknowledged."""
    target = "urn:ngsi-ld:Streetlight:21231:3"
    other = "urn:ngsi-ld:Streetlight:21166:1"
    command = submit(
        rig.engine, OPERATOR, domain="lighting", action="set_level",
        params={"level_pct": 80}, target=TargetSpec(assets=[target]),
        policy=Policy(), now=rig.clock.now(),
    )  # fmt: skip
    ack = msgspec.json.encode(
        {"id": command.id, "status": "acknowledged", "ts": rig.clock.now().isoformat()}
    )
    with Publisher(rig.url, client_id="forger") as forger:
        forger.publish([(ack_topic(target), ack)])  # before anything was sent to it
        wait_for(lambda: rig.dispatcher.pending_acks() == 1)
        report = rig.dispatcher.tick()  # sends the command, refuses the early answer
        assert (report.sent, report.answers, report.refused_acks) == (1, 0, 1)
        forger.publish([(ack_topic(other), ack)])  # from a device it was not sent to
        wait_for(lambda: rig.dispatcher.pending_acks() == 1)
        report = rig.dispatcher.tick()
        assert (report.answers, report.refused_acks) == (0, 1)
    assert rig.statuses(command.id) == {target: "sent"}  # still waiting for the real answer
    with rig.engine.connect() as conn:
        refused = conn.execute(select(dead_letters)).all()
    assert [(r.asset_id, r.topic) for r in refused] == [
        (target, ack_topic(target)),
        (other, ack_topic(other)),
    ]
    assert all(r.reason.startswith("acknowledgement refused") for r in refused)
    rig.devices.connect(rig.url)  # the real device answers the resend
    rig.clock.advance(timedelta(minutes=1))
    rig.dispatcher.tick()
    wait_for(lambda: rig.dispatcher.pending_acks() == 1)
    assert rig.dispatcher.tick().answers == 1
    assert rig.statuses(command.id) == {target: "acknowledged"}
