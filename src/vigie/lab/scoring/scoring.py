"""Detection quality: the alarms a run raised, judged against the simulator's ground truth.

Pure arithmetic (no store, no clock); `vigie.lab.scoring.run` produces its inputs.

**Which alarms answer which fault.** Each fault type has a family of rules (`FAULT_RULES`),
the ones meant to detect it. An alarm *matches* a fault when its rule is in the fault type's
family, its asset is the fault's asset, one of the fault's `affected` assets or one of the
asset's parts (a building's meters), and it was raised (a new alarm or a cleared one raised
again) between the fault's start and its end plus a grace of `GRACE_INTERVALS` expected
reporting intervals of the faulty asset's type.

**Precision** of a fault type: the alarms of its family that match a fault of that type, over
all the alarms of its family — except those that match a fault of another type sharing the
rule (a lamp-failure alarm raised by a driver failure is neither right nor wrong for lamp
failures). Consequences (children of a root) count like any alarm.

**Recall**: faults detected (matched by at least one alarm) over faults scored. A fault is
scored only if it could be seen: it stayed observable for `needed_s` of its type (the
reporting interval of the device, the family's minimum duration, one tick), counting only
the time before the end of the run, while the family's rules look at all (night rules look
at night) and while its asset was not cut off by another fault (a camera behind a cut fibre
cannot say it is offline; a lamp failing during a cabinet outage shows once power is back),
and its asset was not already faulty in a way the same rules answer (a lamp failing on a
light whose driver had failed: that light's alarm is raised already).

**Detection delay**: from the fault's start to the first matching alarm.

**Top-level alarms per fault**: the distinct alarms on the fault's assets, of any rule, that
were top-level at a moment within [start, end + the settling time of the assets] — raised
without a root, or promoted when a root cleared without them — leaving out the alarms that
answer another fault (a lamp failing during a cabinet outage). A cabinet outage or a fibre
cut must show as exactly one (the root, its consequences as children).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from vigie.lab.faults.ground_truth import FaultRecord

#: Fault type (the simulator's) → the rules meant to detect it.
FAULT_RULES: Mapping[str, tuple[str, ...]] = {
    "lamp_failure": ("lighting.lamp_failure",),
    "driver_failure": ("lighting.lamp_failure",),
    "supply_loss": ("lighting.cabinet_supply_loss",),
    "breaker_trip": ("lighting.cabinet_breaker_tripped",),
    "door_open": ("lighting.cabinet_door_open",),
    "camera_offline": ("cctv.camera_offline",),
    "controller_flashing": ("traffic.controller_dark",),
    "fibre_cut": ("network.link_down",),
    "bus_breakdown": ("transit.bus_stopped",),
    # Not buildings.night_consumption: heating held at the day's setpoint instead of the
    # night's draws too little more to tell from a colder night (see its docstring).
    "heating_left_on": ("buildings.heating_unoccupied",),
}

#: Faults the operator must see as exactly one top-level alarm (a root with its children).
SINGLE_ALARM_FAULTS = frozenset({"supply_loss", "breaker_trip", "fibre_cut"})

#: An alarm raised up to this many expected intervals after the fault's end still answers it.
GRACE_INTERVALS = 2.0
#: Consequences of a cleared root get this many of their own intervals to recover.
SETTLE_INTERVALS = 2.0


class RaisedAlarm(NamedTuple):
    """An alarm appearing on the console: raised (new, or cleared and raised again), or
    promoted (a consequence whose root cleared without it becomes an alarm of its own)."""

    alarm_id: int
    asset_id: str
    rule_id: str
    at: datetime
    top_level: bool  # at that moment
    promoted: bool = False


@dataclass(frozen=True)
class Judge:
    """What the arithmetic needs to know of the run, the city and the rules."""

    run_start: datetime
    run_end: datetime
    #: Expected reporting interval of an asset (by id), seconds.
    interval_s: Callable[[str], float]
    #: Parts of an asset that report on their own (a building's meters).
    parts_of: Callable[[str], Sequence[str]]
    #: Per fault type: how long a fault must be observable to be detectable, seconds.
    needed_s: Mapping[str, float]
    #: (fault type, moment) → whether the type's rules look at all then (night rules by day
    #: do not). Sampled every `step_s`.
    watching: Callable[[str, datetime], bool] = lambda _type, _moment: True
    step_s: float = 60.0


@dataclass
class TypeScore:
    fault_type: str
    rules: tuple[str, ...]
    faults: int = 0  # injected (started within the run)
    scored: int = 0  # counted for recall
    too_short: int = 0  # not observable long enough
    masked: int = 0  # its asset cut off by another fault
    detected: int = 0
    true_alarms: int = 0
    false_alarms: int = 0
    delays_s: list[float] = field(default_factory=list)
    #: Per detected fault: top-level alarms the operator saw.
    top_level: list[int] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        judged = self.true_alarms + self.false_alarms
        return self.true_alarms / judged if judged else None

    @property
    def recall(self) -> float | None:
        return self.detected / self.scored if self.scored else None

    @property
    def delay_p50_s(self) -> float | None:
        return statistics.median(self.delays_s) if self.delays_s else None

    @property
    def top_level_per_fault(self) -> float | None:
        return sum(self.top_level) / len(self.top_level) if self.top_level else None

    @property
    def exactly_one(self) -> int:
        return sum(1 for n in self.top_level if n == 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "precision": _round(self.precision, 4),
            "recall": _round(self.recall, 4),
            "top_level_alarms_per_fault": _round(self.top_level_per_fault, 3),
            "detection_delay_p50_s": _round(self.delay_p50_s, 1),
            "faults": self.faults,
            "faults_scored": self.scored,
            "faults_detected": self.detected,
            "alarms": self.true_alarms + self.false_alarms,
        }


@dataclass
class OtherRule:
    """Alarms of a rule outside every family: consequences, or noise."""

    rule_id: str
    raised: int = 0
    top_level: int = 0  # raised top-level (or promoted)
    explained: int = 0  # on an asset of some fault, within its window


@dataclass
class Score:
    by_type: dict[str, TypeScore]
    others: dict[str, OtherRule]

    def as_json(self) -> dict[str, Any]:
        return {
            "fault_types": {t: s.as_json() for t, s in self.by_type.items()},
            "other_rules": {
                r: {"raised": o.raised, "top_level": o.top_level, "explained": o.explained}
                for r, o in sorted(self.others.items())
            },
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class _Fault:
    """A fault with what the scoring derives from it."""

    def __init__(self, record: FaultRecord, judge: Judge) -> None:
        self.record = record
        self.type = record.type
        self.assets = frozenset(
            (record.asset_id, *record.affected, *judge.parts_of(record.asset_id))
        )
        self.grace = timedelta(seconds=GRACE_INTERVALS * judge.interval_s(record.asset_id))
        slowest = max(judge.interval_s(a) for a in self.assets)
        self.settle = timedelta(seconds=SETTLE_INTERVALS * slowest + 2 * judge.step_s)

    def answers(self, alarm: RaisedAlarm) -> bool:
        """Whether the alarm matches this fault (rule family aside)."""
        record = self.record
        return alarm.asset_id in self.assets and record.start <= alarm.at <= record.end + self.grace


def score(faults: Iterable[FaultRecord], alarms: Iterable[RaisedAlarm], judge: Judge) -> Score:
    """Precision, recall, delays and top-level counts per fault type (see the module)."""
    kept = [_Fault(f, judge) for f in faults if f.start < judge.run_end]
    raised = sorted(alarms, key=lambda a: (a.at, a.alarm_id))
    by_type = {t: TypeScore(t, rules) for t, rules in FAULT_RULES.items()}
    for fault in kept:
        by_type.setdefault(fault.type, TypeScore(fault.type, ()))
    family_of: dict[str, set[str]] = defaultdict(set)  # rule → fault types it answers
    for fault_type, rules in FAULT_RULES.items():
        for rule in rules:
            family_of[rule].add(fault_type)
    # Faults by asset, to match each alarm against the few faults on its asset.
    on_asset: dict[str, list[_Fault]] = defaultdict(list)
    for fault in kept:
        for asset in fault.assets:
            on_asset[asset].append(fault)

    alarms_on: dict[str, list[RaisedAlarm]] = defaultdict(list)
    for alarm in raised:
        alarms_on[alarm.asset_id].append(alarm)

    answers = _judge_alarms(raised, on_asset, family_of, by_type)
    others = _other_rules(raised, on_asset, family_of)
    for fault in kept:
        _judge_fault(fault, kept, alarms_on, answers, judge, by_type[fault.type])
    return Score(by_type, others)


def _judge_alarms(
    raised: Sequence[RaisedAlarm],
    on_asset: Mapping[str, list[_Fault]],
    family_of: Mapping[str, set[str]],
    by_type: Mapping[str, TypeScore],
) -> dict[int, set[str]]:
    """Count right and wrong alarms per fault type; the faults (ids) each alarm answers."""
    answers: dict[int, set[str]] = defaultdict(set)
    for alarm in raised:
        if alarm.promoted:
            continue  # the same alarm, not a new occurrence
        types = family_of.get(alarm.rule_id)
        if not types:
            continue
        faults = [
            f for f in on_asset.get(alarm.asset_id, ()) if f.type in types and f.answers(alarm)
        ]
        answers[alarm.alarm_id].update(f.record.id for f in faults)
        matched = {f.type for f in faults}
        for fault_type in types:
            if fault_type in matched:
                by_type[fault_type].true_alarms += 1
            elif not matched:
                by_type[fault_type].false_alarms += 1
    return answers


def _other_rules(
    raised: Sequence[RaisedAlarm],
    on_asset: Mapping[str, list[_Fault]],
    family_of: Mapping[str, set[str]],
) -> dict[str, OtherRule]:
    others: dict[str, OtherRule] = {}
    for alarm in raised:
        if alarm.rule_id in family_of:
            continue
        other = others.setdefault(alarm.rule_id, OtherRule(alarm.rule_id))
        if alarm.top_level:
            other.top_level += 1
        if alarm.promoted:
            continue
        other.raised += 1
        if any(
            f.record.start <= alarm.at <= f.record.end + f.settle
            for f in on_asset.get(alarm.asset_id, ())
        ):
            other.explained += 1
    return others


def _judge_fault(
    fault: _Fault,
    every: Sequence[_Fault],
    alarms_on: Mapping[str, list[RaisedAlarm]],
    answers: Mapping[int, set[str]],
    judge: Judge,
    result: TypeScore,
) -> None:
    result.faults += 1
    needed = judge.needed_s.get(fault.type, 0.0)
    if _observable_s(fault, judge, ()) < needed:
        result.too_short += 1
        return
    cutting = _cutting_off(fault, every)
    if (cutting and _observable_s(fault, judge, cutting) < needed) or _already(fault, every):
        result.masked += 1
        return
    result.scored += 1
    family = set(FAULT_RULES.get(fault.type, ()))
    candidates = [a for asset in fault.assets for a in alarms_on.get(asset, ())]
    first = min(
        (a.at for a in candidates if not a.promoted and a.rule_id in family and fault.answers(a)),
        default=None,
    )
    if first is None:
        return
    result.detected += 1
    result.delays_s.append((first - fault.record.start).total_seconds())
    window_end = fault.record.end + fault.settle
    own = fault.record.id
    top = {
        a.alarm_id
        for a in candidates
        if a.top_level
        and fault.record.start <= a.at <= window_end
        # An alarm answering another fault (a lamp failing during a cabinet outage) is that
        # fault's, not this one's.
        and (not answers.get(a.alarm_id) or own in answers[a.alarm_id])
    }
    result.top_level.append(len(top))


def _already(fault: _Fault, every: Sequence[_Fault]) -> bool:
    """Whether the asset was already faulty in a way the same rules answer when this fault
    began (a lamp failing on a light whose driver had failed): their alarm is raised already,
    and one alarm per asset and rule is all there can be."""
    record = fault.record
    rules = set(FAULT_RULES.get(fault.type, ()))
    return any(
        other is not fault
        and other.record.asset_id == record.asset_id
        and rules & set(FAULT_RULES.get(other.type, ()))
        and other.record.start <= record.start < other.record.end
        for other in every
    )


def _cutting_off(fault: _Fault, every: Sequence[_Fault]) -> list[FaultRecord]:
    """The other faults that cut this fault's asset off (a cabinet's supply, a fibre)."""
    asset = fault.record.asset_id
    return [o.record for o in every if o is not fault and asset in o.record.affected]


def _observable_s(fault: _Fault, judge: Judge, cut_off_by: Sequence[FaultRecord]) -> float:
    """The longest stretch, within the run, during which the fault was present, its rules
    looked, and its asset was not cut off by another fault."""
    start = max(fault.record.start, judge.run_start)
    end = min(fault.record.end, judge.run_end)
    if end <= start:
        return 0.0
    step = timedelta(seconds=judge.step_s)
    best = timedelta(0)
    since: datetime | None = None
    moment = start
    while True:
        looking = judge.watching(fault.type, moment) and not any(
            other.start <= moment < other.end for other in cut_off_by
        )
        if looking and since is None:
            since = moment
        if since is not None and (not looking or moment >= end):
            best = max(best, min(moment, end) - since)
            since = None
        if moment >= end:
            break
        moment = min(moment + step, end)
    return best.total_seconds()
