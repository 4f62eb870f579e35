"""`vigie lighting prove`: the simulated Dijon twin through a whole year, lit by Vigie.

1. A dedicated store (a fresh SQLite file) gets the twin (`vigie city generate`'s generator)
   and Vigie's lighting set-up: one programme per road class (the chosen setting, raised to
   the class's EN 13201 floor) assigned to a road-class group.
2. Vigie sends each group's `assign_program` command through the command dispatcher; every
   payload is the device-protocol message (`.../cmd`), handed in-process to the simulated
   nodes, whose acknowledgements (`.../cmd/ack`) come back to the dispatcher: the per-device
   status of all 34,000 lights is tracked as in production (bench/lighting.py does the same
   over a real Mosquitto).
3. The simulation runs the year on its own clock. Nodes run the programme they acknowledged
   and meter their energy event by event; each cabinet forwards its nodes' counters every
   `interval_s` (counters-only mode) and reports its own meter. Every message goes through
   the ingest `Pipeline` (decode, checks, dedupe, twin, readings) in the MQTT wire format.
4. Each hour the intersections report their flow (`vehicles_per_h`, through the same
   pipeline); Vigie's adaptive controller reads it back from the store's twin and sends
   `adapt` commands to the cabinets whose zone changes step.
5. Rollups (hourly, daily) are computed from the stored readings, and the savings from the
   daily rollups (kpi.lighting_energy): nothing comes from the programmes' formula, except
   the stated estimate that splits the measured saving between dimming and adaptive.

Intersections report hourly in the proof (every minute in `vigie sim run`): a year of
minute counts (59 M readings) would cost more than the whole lighting proof.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from vigie.commands.dispatcher import Dispatcher
from vigie.commands.model import Policy
from vigie.commands.service import Caller, submit
from vigie.commands.targets import TargetSpec
from vigie.core.bus import EventBus
from vigie.domains.lighting import store as lighting_store
from vigie.domains.lighting.adaptive import AdaptiveController, Site, zones
from vigie.domains.lighting.astro import PARIS, night_at
from vigie.domains.lighting.classes import adaptive_level, floor_pct
from vigie.domains.lighting.energy_kpi import lighting_energy
from vigie.domains.lighting.programs import (
    DEFAULT_STEPS,
    Program,
    Step,
    floored,
    level_at,
    night_plan,
)
from vigie.lab.city import generate_city, write_city
from vigie.lab.devices.base import Reading
from vigie.lab.devices.calendar import local_hour
from vigie.lab.devices.lighting import NodeReporting, lights_by_cabinet
from vigie.lab.devices.simulation import Simulation
from vigie.lab.devices.traffic_curve import traffic_share
from vigie.lab.faults.config import FaultConfig
from vigie.lab.transport import FollowingClock, PipelineSender
from vigie.protocol.topics import parse_topic
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.registry.snapshot import RegistrySnapshot, load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import command_devices, commands, twin_state
from vigie.telemetry.pipeline import Pipeline
from vigie.telemetry.wal import rewind_log
from vigie.timeseries.maintenance import roll_up_in_steps

ACTOR = "vigie lighting prove"
LIGHT, CABINET, CONTROLLER = "Streetlight", "StreetlightControlCabinet", "TrafficSignalController"
DIJON_LON, DIJON_LAT = 5.0415, 47.3220
#: Deeper dimming than the contract's default (the "75%" setting, docs/lighting.md).
DEEP_STEPS: tuple[Step, ...] = (
    Step("sunset", 100.0, -10.0),
    Step("21:00", 70.0),
    Step("22:00", 50.0),
    Step("23:00", 30.0),
    Step("05:30", 50.0),
    Step("sunrise", 0.0, 10.0),
)
SETTINGS = {"default": DEFAULT_STEPS, "deep": DEEP_STEPS}


@dataclass(frozen=True)
class ProofConfig:
    year: int = 2025
    store: Path = Path("var/proof/lighting.db")
    interval_s: float = 86_400.0
    setting: str = "default"
    adaptive: bool = True
    seed: int = 2017
    scale: float = 1.0
    days: int | None = None  # a shorter run (tests); None: the whole year
    faults: float = 1.0


class InProcessDevices:
    """The dispatcher's publisher for the proof: each `.../cmd` message goes to the simulated
    device it names, and the device's `.../cmd/ack` goes back to the dispatcher."""

    def __init__(self, simulation: Simulation) -> None:
        self.simulation = simulation
        self.dispatcher: Dispatcher | None = None

    def publish(self, topic: str, payload: bytes) -> None:
        parsed = parse_topic(topic)
        assert parsed is not None and self.dispatcher is not None
        ack = self.simulation.command(parsed.asset_id, payload)
        if ack is not None:
            self.dispatcher.on_ack(parsed.asset_id, ack)


class Detectors:
    """The intersections' hourly counts, as their controllers compute them (the simulator's
    traffic model: the daily curve × the junction's capacity, with noise)."""

    def __init__(self, controllers: list[Any], seed: int) -> None:
        self.ids = [c.id for c in controllers]
        rng = np.random.default_rng(seed)
        self.capacity_vph = rng.uniform(700.0, 2_600.0, len(self.ids))
        self._noise = rng

    def readings(self, t_s: float) -> list[Reading]:
        share = traffic_share(t_s)
        noise = self._noise.lognormal(0.0, 0.12, len(self.ids))
        flows = np.minimum(self.capacity_vph * share * noise, 20_000.0)
        return [
            Reading(c, t_s, {"vehicles_per_h": round(float(f))})
            for c, f in zip(self.ids, flows, strict=True)
        ]


def _programs(setting: str, classes: set[str]) -> dict[str, Program]:
    base = Program(setting, SETTINGS[setting])
    return {c: floored(base, floor_pct(c), f"{setting}-{c}") for c in sorted(classes)}


def _build_store(config: ProofConfig) -> Engine:
    config.store.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.store}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{config.store}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        city = generate_city(config.seed, config.scale, list_municipalities(conn))
        write_city(conn, city, datetime(config.year - 1, 12, 1, tzinfo=UTC), ACTOR)
    return engine


class BackgroundRollups:
    """Rolls up what the run has stored so far, in a process of its own on the other core,
    with the server's upkeep code (vigie.timeseries.maintenance.roll_up_in_steps), as
    `vigie timeseries rollup` run apart from the ingest would. A thread of this process did
    the same work but contended with the ingest for Python's interpreter lock."""

    def __init__(self, store: Path, every_s: float = 2.0) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding SQLite
        self._stop = context.Event()
        self._process = context.Process(
            target=_roll_up_until_stopped,
            args=(f"sqlite:///{store}", every_s, self._stop),
            name="proof-rollups",
            daemon=True,
        )
        self._process.start()

    def stop(self) -> None:
        self._stop.set()
        self._process.join()
        if self._process.exitcode != 0:
            raise RuntimeError(f"the rollups' process failed (exit code {self._process.exitcode})")


def _roll_up_until_stopped(url: str, every_s: float, stop: Any) -> None:
    engine = make_engine(url)
    while not stop.wait(every_s):
        try:
            # Everything pending, as the server's upkeep does: a bounded range (to_ts) made
            # the loop spin on this store (marks the range never clears).
            # A day of hours per step, not the server's 6: here a simulated day passes
            # every ~2 s, and each step has its fixed cost (and recomputes its run's edges).
            roll_up_in_steps(engine, hours_per_step=24)
            rewind_log(engine)
        except OperationalError:  # the store was busy: the next round or the final catches up
            continue
    engine.dispose()


def _dispatch_all(dispatcher: Dispatcher) -> None:
    """Tick until nothing is due and every answer is recorded (answers arrive in-process)."""
    while dispatcher.tick().sent or dispatcher.pending_acks():
        pass


def run_proof(config: ProofConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    engine = _build_store(config)
    start = datetime(config.year, 1, 1, tzinfo=UTC)
    end = datetime(config.year + 1, 1, 1, tzinfo=UTC)
    if config.days is not None:
        end = start + timedelta(days=config.days)
    full = load_snapshot(engine)
    lights = full.of_type(LIGHT)
    classes = {str(a.attributes["lighting_class"]) for a in lights}
    programs = _programs(config.setting, classes)
    now = start - timedelta(hours=1)
    with engine.begin() as conn:
        for cls, program in programs.items():
            lighting_store.save_program(conn, program.id, program.id, program.to_json(), ACTOR, now)
            lighting_store.save_group(
                conn,
                f"class-{cls}",
                name=f"Roads of class {cls}",
                kind="road_class",
                selector={"lighting_class": cls},
                municipality_code=None,
                program_id=program.id,
                holiday_program_id=None,
                priority=0,
                actor=ACTOR,
                now=now,
            )
    twin = RegistrySnapshot({LIGHT: lights, CABINET: full.of_type(CABINET)}, full.municipalities)
    reporting = NodeReporting(
        close_early_s=1.0,
        interval_s=config.interval_s,
        on_change=False,
        counters_only=True,
        cabinet_interval_s=max(config.interval_s, 3_600.0),
    )
    simulation = Simulation(
        twin,
        seed=config.seed,
        start=start,
        faults=FaultConfig.scaled(config.faults),
        lighting_reporting=reporting,
    )
    clock = FollowingClock(start)
    # Checkpoints in a thread of their own, which truncates the log: with the rollups'
    # readers always at work, commits never found it free to rewind (8 GB of log by May).
    # It stayed under 2.7 GB so, but each month still ran slower than the last (see
    # docs/benchmarks.md).
    pipeline = Pipeline(engine, clock, EventBus(), background_checkpoints=True)
    sender = PipelineSender(pipeline, via="mqtt", clock=clock)
    devices = InProcessDevices(simulation)
    dispatcher = Dispatcher(engine, simulation.clock, devices)
    devices.dispatcher = dispatcher
    simulation.start()
    sender.send(simulation.drain())
    rollups = BackgroundRollups(config.store)
    caller = Caller(ACTOR, None)
    t0 = time.perf_counter()
    for cls, program in programs.items():
        submit(
            engine,
            caller,
            domain="lighting",
            action="assign_program",
            params={"program_id": program.id},
            target=TargetSpec(group=f"class-{cls}"),
            policy=Policy(expires_in=timedelta(hours=1)),
            now=simulation.clock.now(),
        )
    _dispatch_all(dispatcher)
    assign_s = time.perf_counter() - t0
    say(f"programmes assigned to {len(lights)} luminaires in {assign_s:.1f} s")

    controllers = full.of_type(CONTROLLER)
    detectors = Detectors(controllers, config.seed)
    cabinets = full.of_type(CABINET)
    zone_of = (
        zones(
            (Site(c.id, c.lon, c.lat) for c in cabinets),
            (Site(c.id, c.lon, c.lat) for c in controllers),
        )
        if config.adaptive
        else {}
    )
    controller = AdaptiveController(zone_of)
    rated_by_cabinet: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    municipality_of = {c.id: c.municipality_code for c in cabinets}
    gateway = {light: cab for cab, members in _members(simulation).items() for light in members}
    for light in lights:
        cab = gateway.get(light.id)
        if cab is not None:
            rated_by_cabinet[cab][str(light.attributes["lighting_class"])] += float(
                light.attributes["rated_power_w"]
            )
    avoided_wh: dict[str, float] = defaultdict(float)
    plans: dict[tuple[str, object], list[tuple[datetime, float]]] = {}
    adapt_commands = 0
    t_s = start.timestamp()
    last_note = t_s
    while t_s < end.timestamp():
        simulation.run_until(t_s)
        sender.send(simulation.drain())
        if config.adaptive:
            sender.send(detectors.readings(t_s))
            sender.flush()
            hour = local_hour(t_s)
            if hour >= 15.0 or hour < 10.0:  # lights may be lit: let traffic adapt them
                flows = _flows(engine)
                changes = controller.decide(flows)
                by_step: dict[int, list[str]] = defaultdict(list)
                for cab, step in changes.items():
                    by_step[step].append(cab)
                for step, cabs in sorted(by_step.items()):
                    submit(
                        engine,
                        caller,
                        domain="lighting",
                        action="adapt",
                        params={"class_steps": step},
                        target=TargetSpec(assets=sorted(cabs)),
                        policy=Policy(expires_in=timedelta(minutes=30)),
                        now=simulation.clock.now(),
                    )
                    adapt_commands += 1
                if by_step:
                    _dispatch_all(dispatcher)
                _credit(
                    controller.steps,
                    rated_by_cabinet,
                    municipality_of,
                    programs,
                    plans,
                    t_s,
                    avoided_wh,
                )
        # No idle ticks: devices answer in-process, so every command is complete when
        # _dispatch_all returns, and a tick costs a few store queries.
        t_s += 3_600.0
        if t_s - last_note >= 30 * 86_400.0:
            last_note = t_s
            say(
                f"{datetime.fromtimestamp(t_s, UTC):%Y-%m-%d}: "
                f"{sender.stats.readings:,} readings, {time.perf_counter() - started:.0f} s"
            )
    simulation.finish(end.timestamp())
    sender.send(simulation.drain())
    sender.flush()
    # What the nodes' counters really advanced by (the simulator's own exact totals), to
    # check the stored rollups against.
    simulated = simulation.summary()["energy_wh"]["simulated_by_type"]
    rollups.stop()
    pipeline.close()
    simulate_s = time.perf_counter() - started
    say(f"simulated and ingested: {sender.stats.readings:,} readings in {simulate_s:.0f} s")
    t1 = time.perf_counter()
    roll_up_in_steps(engine)
    rollup_s = time.perf_counter() - t1
    say(f"rolled up in {rollup_s:.0f} s")
    t2 = time.perf_counter()
    with engine.begin() as conn:
        report = lighting_energy(conn, start, end, adaptive_avoided_wh=dict(avoided_wh))
        compliant = _compliant(conn)
    savings_s = time.perf_counter() - t2
    total = report.to_json()["total"]
    return {
        "year": config.year,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "setting": config.setting,
        "adaptive": config.adaptive,
        "interval_s": config.interval_s,
        "luminaires": len(lights),
        "readings": sender.stats.readings,
        "rejected": len(sender.rejections),
        "adapt_commands": adapt_commands,
        "nodes_simulated_kwh": round(float(simulated.get(LIGHT, 0.0)) / 1000.0, 3),
        "report": report.to_json(),
        "savings_pct": total["savings_pct"],
        "class_compliance_pct": round(100.0 * compliant / len(lights), 3) if lights else 0.0,
        "led_retrofit_pct": total["led_retrofit_pct"],
        "dimming_pct": total["dimming_pct"],
        "adaptive_pct": total["adaptive_pct"],
        "assign_s": round(assign_s, 1),
        "simulate_ingest_s": round(simulate_s, 1),
        "rollup_s": round(rollup_s, 1),
        "savings_compute_s": round(savings_s, 2),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }


def _members(simulation: Simulation) -> dict[str, list[str]]:
    return lights_by_cabinet(simulation.lighting)


def _flows(engine: Engine) -> dict[str, float]:
    """The latest count of every intersection, as the store's twin holds it."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(twin_state.c.asset_id, twin_state.c.value).where(
                twin_state.c.metric == "vehicles_per_h"
            )
        )
        return {r[0]: float(r[1]) for r in rows if r[1] is not None}


def _credit(
    steps: dict[str, int],
    rated: dict[str, dict[str, float]],
    municipality_of: dict[str, str],
    programs: dict[str, Program],
    plans: dict[tuple[str, object], list[tuple[datetime, float]]],
    t_s: float,
    avoided_wh: dict[str, float],
) -> None:
    """The estimate of what adaptive lighting avoids over the hour from t_s: per lowered
    zone and class, rated power × (programme level − adapted level) over one hour."""
    middle = datetime.fromtimestamp(t_s + 1_800.0, UTC)
    hour = local_hour(t_s + 1_800.0)
    evening = (
        middle.astimezone(PARIS).date()
        if hour >= 12.0
        else middle.astimezone(PARIS).date() - timedelta(days=1)
    )
    for cab, step in steps.items():
        if step <= 0:
            continue
        for cls, rated_w in rated.get(cab, {}).items():
            key = (cls, evening)
            plan = plans.get(key)
            if plan is None:
                if len(plans) > 64:
                    plans.clear()
                plan = night_plan(programs[cls], night_at(DIJON_LON, DIJON_LAT, evening))
                plans[key] = plan
            level = level_at(plan, middle)
            if level > 0.0:
                avoided_wh[municipality_of[cab]] += (
                    rated_w * (level - adaptive_level(cls, level, step)) / 100.0
                )


def _compliant(conn: Any) -> int:
    """Luminaires that acknowledged a Vigie programme. Every command is checked against the
    luminaires' floors before it is sent (refused otherwise) and adaptive steps never go
    below a node's floor, so a luminaire running an acknowledged programme is compliant; one
    still on its factory schedule is not counted."""
    query = (
        select(func.count(func.distinct(command_devices.c.asset_id)))
        .join(commands, commands.c.id == command_devices.c.command_id)
        .where(commands.c.action == "assign_program", command_devices.c.status == "acknowledged")
    )
    return int(conn.execute(query).scalar_one())
