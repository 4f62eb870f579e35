"""`vigie alarms score`: how well the alarms detect the simulator's faults — the simulated
city with injected faults through the real pipeline and alarm engine, in a scratch store,
scored against the ground truth (see docs/alarms.md, "Detection quality")."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from vigie.cli.sim import parse_duration

if TYPE_CHECKING:  # the lab is imported by the command itself, when it runs
    from vigie.lab.scoring.run import ScoreResult
    from vigie.lab.scoring.scoring import TypeScore

#: vigie.lab.scoring.run.DEFAULT_START, for the help text (the lab is not imported here).
DEFAULT_START_TEXT = "2026-01-12T11:00:00+00:00"

app = typer.Typer(help="Alarms.", no_args_is_help=True)
err = Console(stderr=True)


@app.callback()
def alarms() -> None:
    """Alarms: detection quality against the simulator."""


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} s" if value < 3600 else f"{value / 3600:.1f} h"


def _top_level(row: TypeScore) -> str:
    from vigie.lab.scoring.scoring import SINGLE_ALARM_FAULTS

    mean = row.top_level_per_fault
    if mean is None:
        return "—"
    if row.fault_type in SINGLE_ALARM_FAULTS:
        return f"{mean:.2f} ({row.exactly_one}/{len(row.top_level)} with 1)"
    return f"{mean:.2f} (max {max(row.top_level)})"


def score_table(result: ScoreResult, title: str) -> Table:
    table = Table(title=title)
    table.add_column("fault type")
    for heading in ("faults", "scored", "detected"):
        table.add_column(heading, justify="right")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    table.add_column("delay p50", justify="right")
    table.add_column("top-level / fault", justify="right")
    for row in result.score.by_type.values():
        judged = row.true_alarms + row.false_alarms
        table.add_row(
            row.fault_type,
            str(row.faults),
            str(row.scored)
            + (f" (-{row.too_short + row.masked})" if row.faults > row.scored else ""),
            str(row.detected),
            f"{_ratio(row.precision)} ({row.true_alarms}/{judged})",
            _ratio(row.recall),
            _seconds(row.delay_p50_s),
            _top_level(row),
        )
    return table


def others_table(result: ScoreResult) -> Table:
    table = Table(title="Alarms of rules outside every fault type's family")
    table.add_column("rule")
    table.add_column("raised", justify="right")
    table.add_column("top-level", justify="right")
    table.add_column("on a faulty asset", justify="right")
    for rule_id, other in sorted(result.score.others.items()):
        table.add_row(rule_id, str(other.raised), str(other.top_level), str(other.explained))
    return table


@app.command("score")
def score(
    scale: str = typer.Option("dijon", help="'dijon' (the reference twin) or a multiplier."),
    seed: int = typer.Option(2017, min=0, help="Seed of the twin and of the simulation."),
    duration: str = typer.Option("1d", help="Simulated time to run (1d, 6h, 90m)."),
    faults: str | None = typer.Option(
        None,
        help="Fault rates: a multiplier of the simulator's defaults or a TOML/JSON file "
        "(as `vigie sim run --faults`); default: each kind 24 times a simulated day.",
    ),
    start: str | None = typer.Option(
        None, help=f"Simulated start, RFC 3339 with offset [{DEFAULT_START_TEXT}]."
    ),
    tick: float = typer.Option(
        30.0, min=1.0, max=600.0, help="Simulated seconds between alarm engine ticks."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line last."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Run the simulated city with injected faults through the real pipeline and alarm
    engine (scratch store), and report precision, recall, detection delay and top-level
    alarms per fault type."""
    from vigie.lab.city import parse_scale
    from vigie.lab.faults.config import parse_faults
    from vigie.lab.scoring.run import DEFAULT_START, Progress, ScoreConfig, run_scoring

    began = time.perf_counter()
    try:
        multiplier = parse_scale(scale)
        span = parse_duration(duration)
        fault_config = parse_faults(faults) if faults is not None else None
        begins = datetime.fromisoformat(start) if start else DEFAULT_START
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if begins.tzinfo is None:
        raise typer.BadParameter("give the start with its UTC offset", param_hint="--start")
    config = ScoreConfig(
        scale=multiplier,
        seed=seed,
        start=begins,
        duration=span,
        faults=fault_config,
        tick_s=tick,
    )

    def show(progress: Progress) -> None:
        err.print(
            f"{progress.sim_time:%Y-%m-%d %H:%M}Z  {progress.readings:,} readings, "
            f"{progress.faults} faults, {progress.alarms} alarms  ({progress.wall_s:,.0f} s)",
            highlight=False,
        )

    result = run_scoring(config, on_progress=None if quiet else show)
    elapsed = time.perf_counter() - began
    console = Console() if Console().is_terminal else Console(width=132)
    title = (
        f"Alarm detection (scale {multiplier:g}, seed {seed}, {duration} from "
        f"{begins.isoformat()}; {result.readings:,} readings, {elapsed:,.0f} s)"
    )
    console.print(score_table(result, title))
    if result.score.others:
        console.print(others_table(result))
    if as_json:
        line = {**result.as_json(), "elapsed_s": round(elapsed, 1)}
        print(json.dumps(line, separators=(", ", ": ")), flush=True)
