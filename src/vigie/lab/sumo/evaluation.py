"""`vigie traffic evaluate`: fixed time against Vigie's priority on the same seeds.

Each seed draws one demand (cars' arrivals, buses' dwells) and SUMO's driver randomness; both
controls run it. A measure's change for a seed is (priority − fixed) / fixed of its mean over
the seed's vehicles; the report gives the mean change over seeds with a 95% confidence
interval (Student's t over the seeds' paired changes).
"""

from __future__ import annotations

import math
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.transit.adherence import on_time
from vigie.lab.sumo.corridor import Corridor, build_network, write_demand, write_stops
from vigie.lab.sumo.field import RunMeasures, run_corridor

#: Two-sided 95% quantiles of Student's t by degrees of freedom (1-30); normal beyond.
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_975(degrees: int) -> float:
    return _T_975[degrees - 1] if 1 <= degrees <= len(_T_975) else 1.960


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Interval:
        mean = statistics.fmean(values)
        if len(values) < 2:
            return cls(mean, math.nan, math.nan)
        half = t_975(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
        return cls(mean, mean - half, mean + half)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _stdev(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else math.nan


#: Measures reported: name -> how one run's value is computed.
MEASURES: dict[str, Callable[[RunMeasures], float]] = {
    "bus_signal_delay_s": lambda m: _mean(m.bus_signal_delay_s),
    "bus_travel_time_s": lambda m: _mean(m.bus_travel_time_s),
    "bus_travel_time_sd_s": lambda m: _stdev(m.bus_travel_time_s),
    "bus_lateness_abs_s": lambda m: _mean([abs(d) for d in m.bus_stop_delay_s]),
    "bus_on_time_pct": lambda m: 100 * _mean([float(on_time(d)) for d in m.bus_stop_delay_s]),
    "general_delay_s": lambda m: _mean(m.general_time_loss_s),
    "main_street_delay_s": lambda m: _mean(m.main_time_loss_s),
    "cross_street_delay_s": lambda m: _mean(m.cross_time_loss_s),
    "emergency_delay_s": lambda m: _mean(m.emergency_time_loss_s),
}


@dataclass(frozen=True)
class MeasureResult:
    name: str
    fixed: Interval
    priority: Interval
    change_pct: Interval


@dataclass(frozen=True)
class Evaluation:
    seeds: list[int]
    measures: list[MeasureResult]
    safety_violations: int
    greens_judged: int
    buses_per_run: float
    cars_per_run: float
    requests_granted: int

    def change(self, name: str) -> Interval:
        return next(m.change_pct for m in self.measures if m.name == name)

    def summary(self) -> dict[str, float | int | list[int]]:
        """The keys `vigie traffic evaluate --json` prints last."""
        return {
            "bus_signal_delay_change_pct": round(self.change("bus_signal_delay_s").mean, 2),
            "bus_travel_time_change_pct": round(self.change("bus_travel_time_s").mean, 2),
            "general_delay_change_pct": round(self.change("general_delay_s").mean, 2),
            "cross_street_delay_change_pct": round(self.change("cross_street_delay_s").mean, 2),
            "safety_violations": self.safety_violations,
            "seeds": len(self.seeds),
        }


def evaluate(
    corridor: Corridor,
    config: PriorityConfig,
    seeds: list[int],
    workdir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Run every seed under both controls and compare."""
    with tempfile.TemporaryDirectory(prefix="vigie-sumo-") as scratch:
        directory = workdir or Path(scratch)
        net = build_network(corridor, directory)
        stops = write_stops(corridor, directory)
        fixed_runs: list[RunMeasures] = []
        priority_runs: list[RunMeasures] = []
        for seed in seeds:
            demand = write_demand(corridor, directory, seed)
            fixed_runs.append(run_corridor(corridor, net, stops, demand, seed, None, directory))
            priority_runs.append(
                run_corridor(corridor, net, stops, demand, seed, config, directory)
            )
            if progress is not None:
                progress(f"seed {seed} done")
    results = []
    for name, measure in MEASURES.items():
        if name == "emergency_delay_s" and corridor.emergency_every_s <= 0:
            continue
        fixed = [measure(run) for run in fixed_runs]
        tsp = [measure(run) for run in priority_runs]
        change = [100 * (b - a) / a if a else math.nan for a, b in zip(fixed, tsp, strict=True)]
        results.append(
            MeasureResult(name, Interval.of(fixed), Interval.of(tsp), Interval.of(change))
        )
    runs = fixed_runs + priority_runs
    return Evaluation(
        seeds=seeds,
        measures=results,
        safety_violations=sum(run.safety_violations for run in runs),
        greens_judged=sum(run.greens_judged for run in runs),
        buses_per_run=_mean([float(len(r.bus_travel_time_s)) for r in runs]),
        cars_per_run=_mean([float(len(r.general_time_loss_s)) for r in runs]),
        requests_granted=sum(sum(r.granted.values()) for r in priority_runs),
    )
