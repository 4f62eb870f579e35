"""Running the city simulator: load the twin from the registry, start the simulation at the
chosen simulated time, pace it against a `SimulatedClock`, ship its readings through a
sender, obey commands, and write the ground truth and the totals.

The loop never sends a reading stamped after the clock's now: it runs the events due up to
now, ships them, then sleeps until the next one is due (flushing gateways and answering
commands meanwhile). When Vigie (or the machine) is slower than the requested speed, the
senders' backpressure makes the simulation lag behind its clock; it catches up when it can.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy.engine import Engine

from vigie.lab.clock import SimulatedClock, simulated_start
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.lab.faults.ground_truth import GroundTruthWriter
from vigie.lab.transport import CommandChannel, Sender
from vigie.registry.snapshot import RegistrySnapshot, load_snapshot

#: Work done between two looks at the clock, commands and gateways (bounded so a lagging
#: run stays responsive).
EVENTS_PER_STEP = 20_000
#: Gateways and HTTP batches are flushed at least this often (wall seconds).
FLUSH_EVERY_S = 0.25
REPLAY_FLUSH_S = 900.0


@dataclass(frozen=True)
class RunConfig:
    seed: int = 2017
    speed: float = 1.0
    #: Simulated start; None: `simulated_start(now, speed, duration)`.
    start: datetime | None = None
    #: Simulated duration; None: until stopped.
    duration: timedelta | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    ground_truth: Path | None = None
    totals: Path | None = None


@dataclass
class Progress:
    """What the runner reports a few times a second."""

    sim_time: datetime
    readings: int
    wall_s: float
    lag_s: float  # how far the simulation is behind its clock, simulated seconds
    faults: int
    active_faults: int


def _prepare(
    twin: RegistrySnapshot, config: RunConfig, start: datetime
) -> tuple[Simulation, GroundTruthWriter | None]:
    writer = GroundTruthWriter(config.ground_truth) if config.ground_truth else None
    simulation = Simulation(
        twin,
        seed=config.seed,
        start=start,
        faults=config.faults,
        on_fault=writer.write if writer else None,
    )
    return simulation, writer


def _conclude(
    simulation: Simulation,
    sender: Sender,
    writer: GroundTruthWriter | None,
    config: RunConfig,
    extra: dict[str, Any],
) -> dict[str, Any]:
    sender.send(simulation.drain())
    sender.close()
    if writer is not None:
        writer.close()
    totals = {**simulation.summary(), **extra, "delivery": sender.stats.as_dict()}
    if config.totals is not None:
        config.totals.parent.mkdir(parents=True, exist_ok=True)
        config.totals.write_bytes(msgspec.json.format(msgspec.json.encode(totals)))
    return totals


def run(
    engine: Engine,
    config: RunConfig,
    sender: Sender,
    *,
    commands: CommandChannel | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    twin: RegistrySnapshot | None = None,
) -> dict[str, Any]:
    """Run in (simulated) real time until the duration has passed, `stop` is set or the
    process is interrupted (KeyboardInterrupt ends the run cleanly: last reports, totals).
    Returns the totals (and writes them to `config.totals`)."""
    twin = twin if twin is not None else load_snapshot(engine)
    wall_now = datetime.now(UTC)
    start = config.start or simulated_start(wall_now, config.speed, config.duration)
    clock = SimulatedClock(
        start, config.speed, never_ahead_of_wall=config.start is None and config.duration is None
    )
    simulation, writer = _prepare(twin, config, start)
    end_s = start.timestamp() + config.duration.total_seconds() if config.duration else None
    began = time.monotonic()
    last_flush = last_progress = began
    interrupted = False
    simulation.start()
    try:
        while not (stop is not None and stop.is_set()):
            target = clock.now_s() if end_s is None else min(clock.now_s(), end_s)
            simulation.run_until(target, EVENTS_PER_STEP)
            sender.send(simulation.drain())
            if commands is not None:
                for asset_id, payload in commands.pending_commands():
                    ack = simulation.command(asset_id, payload)
                    sender.send(simulation.drain())  # the device reports its new state
                    if ack is not None:
                        commands.publish_ack(asset_id, ack)
            wall = time.monotonic()
            if wall - last_flush >= FLUSH_EVERY_S:
                sender.flush()
                last_flush = wall
            if on_progress is not None and wall - last_progress >= 1.0:
                last_progress = wall
                on_progress(_progress(simulation, clock, wall - began))
            if end_s is not None and simulation.now_s >= end_s:
                break
            due_s = simulation.scheduler.next_s()
            if end_s is not None:
                due_s = min(due_s, end_s)
            if due_s > clock.now_s():
                time.sleep(min(FLUSH_EVERY_S, clock.wall_seconds_until(due_s)))
    except KeyboardInterrupt:
        interrupted = True
    simulation.finish(min(simulation.now_s, end_s) if end_s is not None else simulation.now_s)
    extra = {
        "speed": config.speed,
        "interrupted": interrupted,
        "wall_s": round(time.monotonic() - began, 3),
    }
    return _conclude(simulation, sender, writer, config, extra)


def _progress(simulation: Simulation, clock: SimulatedClock, wall_s: float) -> Progress:
    return Progress(
        sim_time=simulation.clock.now(),
        readings=simulation.totals.readings,
        wall_s=wall_s,
        lag_s=max(0.0, clock.now_s() - simulation.now_s),
        faults=len(simulation.faults),
        active_faults=simulation.injector.active,
    )


def replay(twin: RegistrySnapshot, config: RunConfig, sender: Sender) -> dict[str, Any]:
    """Run as fast as the machine allows, no clock (`config.start` and `config.duration`
    required): the same readings and faults as a paced run with the same seed. For tests
    and for scoring alarms against the ground truth."""
    if config.start is None or config.duration is None:
        raise ValueError("a replay needs a start and a duration")
    simulation, writer = _prepare(twin, config, config.start)
    end_s = config.start.timestamp() + config.duration.total_seconds()
    simulation.start()
    while simulation.now_s < end_s:
        # Gateways hold their luminaires' readings up to REPLAY_FLUSH_S of simulated time
        # (a paced run flushes them every FLUSH_EVERY_S of wall time instead).
        simulation.run_until(min(end_s, simulation.now_s + REPLAY_FLUSH_S))
        sender.send(simulation.drain())
        sender.flush()
    simulation.finish(end_s)
    return _conclude(simulation, sender, writer, config, {"speed": None, "interrupted": False})
