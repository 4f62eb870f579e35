"""Lighting commands and savings at Dijon scale:

- `dispatch_all_s`: one `set_level` command to every light of the twin (34,000), from the
  request (targets resolved, floors checked, 34,000 device rows stored with the audit entry)
  until the broker (a real Mosquitto on loopback) has acknowledged every `.../cmd` message;
- `acks_all_s`: from the same start until every device's status is `acknowledged` in the
  store, the acknowledgements coming from the simulated nodes (a separate process: the
  simulator's MQTT link and command handler) over `.../cmd/ack`;
- `year_savings_compute_s`: the lighting energy KPI (IPMVP, per month and municipality) over
  the store of `vigie lighting prove` (a year of daily rollups for 34,000 luminaires), when
  that store exists (`--proof-store`); otherwise over a short proof run made here (its length
  is in `savings_period_days`).

    python bench/lighting.py [--quick] [--proof-store var/proof/lighting.db]

`--quick`: a quarter of the city (8,500 lights) and, without a proof store, 7 days. Goals:
dispatch < 5 s, acks < 30 s. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from scratch import scratch_dir
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import parse_broker_url
from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import Policy
from vigie.commands.mqtt import MqttCommandLink
from vigie.commands.service import Caller, submit
from vigie.commands.targets import TargetSpec
from vigie.core.clock import SystemClock
from vigie.domains.installed import install_all
from vigie.domains.lighting.energy_kpi import lighting_energy
from vigie.lab.city import generate_city, write_city
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.lab.proofs.lighting_year import ProofConfig, run_proof
from vigie.lab.transport import MqttLink
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.registry.snapshot import RegistrySnapshot, load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import command_devices

install_all()  # the facilities, as the `vigie` command installs them

LIGHT, CABINET = "Streetlight", "StreetlightControlCabinet"


def devices(url: str, store: str) -> None:
    """The field: every light and cabinet of the store's twin, answering commands."""
    full = load_snapshot(make_engine(f"sqlite:///{store}"))
    twin = RegistrySnapshot(
        {LIGHT: full.of_type(LIGHT), CABINET: full.of_type(CABINET)}, full.municipalities
    )
    start = datetime.now(UTC)
    simulation = Simulation(twin, seed=1, start=start, faults=FaultConfig.none())
    simulation.run_until(start.timestamp())
    simulation.drain()
    link = MqttLink(url, client_id="bench-field", commands=True)
    print("ready", flush=True)
    while True:
        found = link.pending_commands()
        for asset_id, payload in found:
            ack = simulation.command(asset_id, payload)
            if ack is not None:
                link.publish_ack(asset_id, ack)
        simulation.drain()  # the state reports are not the subject here
        if not found:
            time.sleep(0.002)


def _acknowledged(engine: object, command_id: str) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(
            conn.execute(
                select(func.count()).where(
                    command_devices.c.command_id == command_id,
                    command_devices.c.status == "acknowledged",
                )
            ).scalar_one()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--proof-store",
        type=Path,
        default=None,
        help="default: var/proof/lighting.db (not with --quick)",
    )
    parser.add_argument(
        "--savings-days",
        type=int,
        default=365,
        help="length of the period the KPI is computed over (from 2025-01-01)",
    )
    parser.add_argument("--devices", nargs=2, metavar=("URL", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.devices:
        devices(*args.devices)
        return
    scale = 0.25 if args.quick else 1.0
    work = scratch_dir("vigie-bench-lighting-")
    store = work / "vigie.db"
    engine = make_engine(f"sqlite:///{store}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        write_city(
            conn, generate_city(2017, scale, list_municipalities(conn)), datetime.now(UTC), "bench"
        )
    lights = [a.id for a in load_snapshot(engine).of_type(LIGHT)]
    with LocalBroker(work / "mosquitto") as broker:
        field = subprocess.Popen(
            [sys.executable, __file__, "--devices", broker.url, str(store)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert field.stdout is not None and field.stdout.readline().strip() == "ready"
            clock = SystemClock()
            late: list[Dispatcher] = []
            link = MqttCommandLink(parse_broker_url(broker.url), lambda a, p: late[0].on_ack(a, p))
            dispatcher = Dispatcher(engine, clock, link)
            late.append(dispatcher)
            started = time.perf_counter()
            command = submit(
                engine,
                Caller("bench", None),
                domain="lighting",
                action="set_level",
                params={"level_pct": 100},
                target=TargetSpec(assets=lights),
                policy=Policy(expires_in=timedelta(minutes=5)),
                now=clock.now(),
            )
            submitted_s = time.perf_counter() - started
            dispatcher.tick()
            handed_s = time.perf_counter() - started
            link.wait_published(len(lights), timeout_s=120.0)
            dispatch_s = time.perf_counter() - started
            while _acknowledged(engine, command.id) < len(lights):
                if time.perf_counter() - started > 600:
                    break
                dispatcher.tick()
                time.sleep(0.05)
            acks_s = time.perf_counter() - started
            acknowledged = _acknowledged(engine, command.id)
            link.close()
        finally:
            field.terminate()
            field.wait(timeout=10)
    proof_store = args.proof_store
    if proof_store is None:
        proof_store = Path("/nonexistent") if args.quick else Path("var/proof/lighting.db")
    period_days = args.savings_days
    proof_note = f"over {proof_store}"
    if not proof_store.exists():
        period_days = 7 if args.quick else 30
        proof_store = work / "proof.db"
        run_proof(ProofConfig(store=proof_store, scale=scale, days=period_days))
        proof_note = f"over a {period_days}-day proof run made by the bench"
    proof_engine = make_engine(f"sqlite:///{proof_store}")
    year = datetime(2025, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    with proof_engine.begin() as conn:
        report = lighting_energy(conn, year, year + timedelta(days=period_days))
    savings_s = time.perf_counter() - t0
    result = {
        "lights": len(lights),
        "submit_s": round(submitted_s, 2),
        "marked_and_handed_s": round(handed_s, 2),
        "dispatch_all_s": round(dispatch_s, 2),
        "acks_all_s": round(acks_s, 2),
        "acknowledged": acknowledged,
        "year_savings_compute_s": round(savings_s, 2),
        "savings_period_days": period_days,
        "savings_store": proof_note,
        "savings_pct": report.to_json()["total"]["savings_pct"],
        "dispatch_goal_met": dispatch_s < 5.0,
        "acks_goal_met": acks_s < 30.0 and acknowledged == len(lights),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
