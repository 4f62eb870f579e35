"""The incident boost on simulated nodes running a programme: 100% within the radius at
once, the rest untouched, and every boosted node back on its programme by itself at the end
— commands dispatched through the device protocol (in-process devices)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import Policy
from vigie.commands.service import Caller, submit
from vigie.commands.store import device_states
from vigie.commands.targets import Near, TargetSpec
from vigie.domains.lighting import store as lighting_store
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.lab.proofs.lighting_year import InProcessDevices
from vigie.registry.snapshot import load_snapshot

ONE_AM = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)  # 01:00 in Paris
SUPERVISOR = Caller("sam", None)
STEPS = [
    {"at": "sunset", "level_pct": 100},
    {"at": "23:00", "level_pct": 45},
    {"at": "sunrise", "level_pct": 0},
]


def test_boost_overrides_the_programme_and_reverts_by_itself(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    with engine.begin() as conn:
        seed_small_network(conn, ONE_AM - timedelta(days=2))
        lighting_store.save_program(conn, "night", "night", STEPS, "sam", ONE_AM)
    simulation = Simulation(
        load_snapshot(engine), seed=2, start=ONE_AM - timedelta(hours=6), faults=FaultConfig.none()
    )
    simulation.run_until((ONE_AM - timedelta(hours=5)).timestamp())
    devices = InProcessDevices(simulation)
    dispatcher = Dispatcher(engine, simulation.clock, devices)
    devices.dispatcher = dispatcher

    def send(action: str, params: dict[str, object], target: TargetSpec) -> str:
        command = submit(
            engine,
            SUPERVISOR,
            domain="lighting",
            action=action,
            params=params,
            target=target,
            policy=Policy(),
            now=simulation.clock.now(),
        )
        dispatcher.tick()  # sends; the devices answer in-process
        dispatcher.tick()  # records the answers
        return command.id

    send("assign_program", {"program_id": "night"}, TargetSpec(municipality="21231"))
    simulation.run_until(ONE_AM.timestamp())
    lighting = simulation.lighting
    dijon = [i for i, a in enumerate(lighting.light_ids) if ":21231:" in a]
    assert {float(lighting.bank.level[i]) for i in dijon} == {45.0}

    until = ONE_AM + timedelta(minutes=30)
    boost = send(
        "set_level",
        {"level_pct": 100, "until": until.isoformat()},
        TargetSpec(near=Near(lon=5.0350, lat=47.3222, radius_m=70)),
    )
    with engine.connect() as conn:
        boosted = {d.asset_id for d in device_states(conn, boost)}
        assert {d.status for d in device_states(conn, boost)} == {"acknowledged"}
    assert len(boosted) == 3
    for i in dijon:
        expected = 100.0 if lighting.light_ids[i] in boosted else 45.0
        assert float(lighting.bank.level[i]) == expected
    simulation.run_until((until + timedelta(seconds=1)).timestamp())
    assert {float(lighting.bank.level[i]) for i in dijon} == {45.0}
