"""A scoring run: the simulated city with injected faults, through the real ingest pipeline
and the real alarm engine, in a scratch store; then the alarms judged against the ground
truth (`vigie.lab.scoring.scoring`).

    result = run_scoring(ScoreConfig(scale=1.0, duration=timedelta(days=1)))

1. A fresh SQLite store in a temporary directory (deleted afterwards), migrated, holding the
   twin generated for the seed and scale.
2. The simulator (`vigie.lab.devices.simulation.Simulation`, the same one `vigie sim run`
   paces) runs with no wall clock, `batch_s` of simulated time at a time. Each slice's
   readings go in as the HTTP JSON arrays devices send, through a `PipelineSender` into the
   `Pipeline` (validation, store, twin, events), whose clock follows the readings; the alarm
   engine hears the pipeline's events on the bus (and evaluates each batch), and is ticked
   every `tick_s` of simulated time.
3. Every alarm raised or promoted is recorded from the bus (`AlarmChanged`); the faults come
   from the simulation's ground truth.

The scratch store trades durability for speed (no fsync, a large page cache): it is thrown
away at the end, and what is measured is detection, not the disk.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from vigie.alarms.conditions.silence import SilenceCondition
from vigie.alarms.engine import AlarmEngine
from vigie.alarms.events import AlarmChanged, Change
from vigie.alarms.ruleset import Rule
from vigie.alarms.wiring import start_alarm_engine
from vigie.core.bus import EventBus
from vigie.core.heap import freeze_long_lived_objects
from vigie.lab.city import generate_city, write_city
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.lab.faults.ground_truth import FaultRecord
from vigie.lab.faults.kinds import SPECS, FaultKind
from vigie.lab.scoring.scoring import FAULT_RULES, Judge, RaisedAlarm, Score, score
from vigie.lab.transport import FollowingClock, PipelineSender
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.registry.snapshot import RegistrySnapshot, load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.telemetry.catalogue import expected_interval_s
from vigie.telemetry.pipeline import Pipeline

#: A Monday noon in winter (local time): a day from here holds a dusk, a whole night (lights
#: on, buildings empty and heated) and a dawn.
DEFAULT_START = datetime(2026, 1, 12, 11, 0, tzinfo=UTC)
#: The default fault mix: each kind expected this many times per simulated day, whatever the
#: size of the city (enough faults to count; few enough to rarely overlap).
FAULTS_PER_KIND_PER_DAY = 24.0
#: Repair times shortened for the default mix, so that faults of a kind seldom overlap (a
#: second fibre cut in the same ring would isolate nodes that neither cut isolates alone).
SCORING_REPAIR_MEDIAN_H: Mapping[FaultKind, float] = {FaultKind.FIBRE_CUT: 1.0}
ACTOR = "vigie-alarms-score"


@dataclass(frozen=True)
class ScoreConfig:
    scale: float = 1.0
    seed: int = 2017
    start: datetime = DEFAULT_START
    duration: timedelta = timedelta(days=1)
    #: None: `scoring_faults` (each kind FAULTS_PER_KIND_PER_DAY times a day).
    faults: FaultConfig | None = None
    #: Simulated seconds between two alarm engine ticks.
    tick_s: float = 30.0
    #: Simulated seconds of readings per ingest batch. Short, as in real time: the pipeline
    #: keeps a batch's latest value per metric, so a longer batch would hide short states
    #: (a bollard moving for 6 s between two reports) from the rules.
    batch_s: float = 5.0


@dataclass(frozen=True)
class Progress:
    sim_time: datetime
    readings: int
    alarms: int
    faults: int
    wall_s: float


@dataclass
class ScoreResult:
    score: Score
    faults: list[FaultRecord]
    alarms: list[RaisedAlarm]
    readings: int
    assets: int
    rejected: int
    timings_s: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.score.as_json(),
            "readings": self.readings,
            "assets": self.assets,
            "rejected": self.rejected,
            "timings_s": {k: round(v, 1) for k, v in self.timings_s.items()},
        }


def scoring_faults(twin: RegistrySnapshot) -> FaultConfig:
    """Rates giving each fault kind FAULTS_PER_KIND_PER_DAY expected occurrences per day on
    this twin (its devices of the kind's type), with SCORING_REPAIR_MEDIAN_H."""
    rates = {}
    for kind, spec in SPECS.items():
        devices = len(twin.of_type(spec.asset_type))
        rates[kind] = FAULTS_PER_KIND_PER_DAY / devices if devices else 0.0
    repairs = {kind: spec.repair_median_h for kind, spec in SPECS.items()}
    repairs.update(SCORING_REPAIR_MEDIAN_H)
    return FaultConfig(rates, repairs)


def scratch_store(path: Path) -> Engine:
    """A migrated SQLite store at `path`, tuned for a run that is thrown away."""
    engine = make_engine(f"sqlite:///{path}")

    def tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-524288")  # 512 MiB
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    event.listen(engine, "connect", tune)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    return engine


class AlarmRecorder:
    """Keeps, from the bus, every alarm as it appears on the console."""

    def __init__(self, bus: EventBus) -> None:
        self.raised: list[RaisedAlarm] = []
        self._unsubscribe = bus.subscribe(AlarmChanged, self._on_change)

    def _on_change(self, change: AlarmChanged) -> None:
        alarm = change.alarm
        if change.change is Change.RAISED:
            promoted = False
        elif change.change is Change.PROMOTED:
            promoted = True
        else:
            return
        self.raised.append(
            RaisedAlarm(
                alarm.id, alarm.asset_id, alarm.rule_id, change.at, alarm.top_level, promoted
            )
        )

    def close(self) -> None:
        self._unsubscribe()


def judge_for(alarm_engine: AlarmEngine, config: ScoreConfig, run_end: datetime) -> Judge:
    """The Judge of a run: intervals and parts from the engine's topology, how long each fault
    type must last and when its rules look from the engine's rules."""
    topology = alarm_engine.topology
    rules = alarm_engine.rules.rules
    families: dict[str, list[Rule]] = {
        t: [rules[r] for r in ids if r in rules] for t, ids in FAULT_RULES.items()
    }
    parts: dict[str, list[str]] = {}
    for info in topology.assets.values():
        if info.parent_id is not None:
            parts.setdefault(info.parent_id, []).append(info.id)

    def interval_s(asset_id: str) -> float:
        info = topology.get(asset_id)
        return expected_interval_s(info.type) if info is not None else 0.0

    def watching(fault_type: str, moment: datetime) -> bool:
        family = families.get(fault_type, [])
        return any(not rule.condition.idle(moment, topology) for rule in family)

    return Judge(
        run_start=config.start,
        run_end=run_end,
        interval_s=interval_s,
        parts_of=lambda asset_id: parts.get(asset_id, ()),
        needed_s={t: _needed_s(family, config.tick_s) for t, family in families.items()},
        watching=watching,
        step_s=60.0,
    )


def _needed_s(family: list[Rule], tick_s: float) -> float:
    """The shortest time one of the rules needs to see a fault: the device's next report,
    the rule's minimum duration (or missed reports), a tick."""
    if not family:
        return 0.0
    return tick_s + min(_rule_needs_s(rule) for rule in family)


def _rule_needs_s(rule: Rule) -> float:
    interval = expected_interval_s(rule.reporter_type)
    condition = rule.condition
    if isinstance(condition, SilenceCondition):
        return interval + condition.limit.total_seconds()
    return interval + rule.for_s


def run_scoring(
    config: ScoreConfig,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    workdir: Path | None = None,
) -> ScoreResult:
    """Generate the twin, run the simulation through the pipeline and the alarm engine, and
    score the alarms (see the module)."""
    with tempfile.TemporaryDirectory(prefix="vigie-score-", dir=workdir) as scratch:
        return _run(config, Path(scratch) / "score.db", on_progress)


def _run(
    config: ScoreConfig, path: Path, on_progress: Callable[[Progress], None] | None
) -> ScoreResult:
    timings: dict[str, float] = {}
    began = time.perf_counter()
    engine = scratch_store(path)
    try:
        with engine.connect() as conn:
            municipalities = list_municipalities(conn)
        city = generate_city(config.seed, config.scale, municipalities)
        with engine.begin() as conn:
            write_city(conn, city, config.start - timedelta(days=1), ACTOR)
        timings["city"] = time.perf_counter() - began
        twin = load_snapshot(engine)
        clock = FollowingClock(config.start)
        bus = EventBus()
        pipeline = Pipeline(engine, clock, bus)
        alarm_engine = start_alarm_engine(engine, clock, bus)
        recorder = AlarmRecorder(bus)
        faults = config.faults or scoring_faults(twin)
        simulation = Simulation(twin, seed=config.seed, start=config.start, faults=faults)
        sender = PipelineSender(pipeline, clock=clock)
        freeze_long_lived_objects()
        try:
            mark = time.perf_counter()
            end = _simulate(config, simulation, sender, clock, alarm_engine, recorder, on_progress)
            timings["simulate_ingest_alarms"] = time.perf_counter() - mark
        finally:
            gc.unfreeze()
            recorder.close()
            alarm_engine.close()
        mark = time.perf_counter()
        judge = judge_for(alarm_engine, config, end)
        result = score(simulation.faults, recorder.raised, judge)
        timings["score"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - began
        return ScoreResult(
            score=result,
            faults=list(simulation.faults),
            alarms=recorder.raised,
            readings=simulation.totals.readings,
            assets=len(city.assets),
            rejected=int(sender.stats.server.get("rejected", 0)),
            timings_s=timings,
        )
    finally:
        engine.dispose()


def _simulate(
    config: ScoreConfig,
    simulation: Simulation,
    sender: PipelineSender,
    clock: FollowingClock,
    alarm_engine: AlarmEngine,
    recorder: AlarmRecorder,
    on_progress: Callable[[Progress], None] | None,
) -> datetime:
    """Step through simulated time; the end of the run."""
    start_s = config.start.timestamp()
    end_s = start_s + config.duration.total_seconds()
    began = time.perf_counter()
    next_tick_s = start_s + config.tick_s
    next_progress_s = start_s + 3600.0
    simulation.start()
    now_s = start_s
    while now_s < end_s:
        now_s = min(end_s, now_s + config.batch_s, next_tick_s)
        simulation.run_until(now_s)
        if now_s >= end_s:
            simulation.finish(end_s)  # every counter reports one last time
        sender.send(simulation.drain())
        sender.flush()
        clock.follow(now_s)
        if now_s >= next_tick_s or now_s >= end_s:
            next_tick_s += config.tick_s
            alarm_engine.tick(datetime.fromtimestamp(now_s, UTC))
        if on_progress is not None and (now_s >= next_progress_s or now_s >= end_s):
            next_progress_s += 3600.0
            on_progress(
                Progress(
                    sim_time=datetime.fromtimestamp(now_s, UTC),
                    readings=simulation.totals.readings,
                    alarms=len(recorder.raised),
                    faults=len(simulation.faults),
                    wall_s=time.perf_counter() - began,
                )
            )
    return datetime.fromtimestamp(end_s, UTC)
