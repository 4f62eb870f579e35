"""The lab's commands, attached to the facilities' command groups by `vigie.cli.main`:
`vigie lighting prove` (the year's proof on the simulated twin) and `vigie traffic evaluate`
(bus priority in SUMO). Each imports the lab inside its function, when it runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigie.cli.sim import parse_duration
from vigie.domains.traffic.cli import lateness_threshold_s
from vigie.domains.traffic.priority import PriorityConfig

if TYPE_CHECKING:  # the lab (and SUMO) is imported by the command itself, when it runs
    from vigie.lab.sumo.evaluation import Evaluation, Interval

#: The dimming settings of the proof (vigie.lab.proofs.lighting_year.SETTINGS), for the help
#: text: the lab is imported by the command itself, when it runs.
PROOF_SETTINGS = ("default", "deep")
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)
err = Console(stderr=True)


def prove(
    year: Annotated[int, typer.Option(help="the simulated year")] = 2025,
    as_json: Annotated[bool, typer.Option("--json", help="end with one JSON line")] = False,
    interval: Annotated[str, typer.Option(help="nodes' counter interval: 1h, 6h, 1d")] = "1d",
    setting: Annotated[str, typer.Option(help=f"dimming: {', '.join(PROOF_SETTINGS)}")] = "default",
    adaptive: Annotated[bool, typer.Option(help="adaptive lighting on traffic")] = True,
    store: Annotated[Path, typer.Option(help="scratch store (rewritten)")] = Path(
        "var/proof/lighting.db"
    ),
    days: Annotated[int | None, typer.Option(help="run only this many days")] = None,
    scale: Annotated[float, typer.Option(help="city scale (1.0: Dijon Métropole)")] = 1.0,
    seed: Annotated[int, typer.Option()] = 2017,
) -> None:
    """Run the twin through a year lit by Vigie, then report the measured savings."""
    from vigie.lab.proofs.lighting_year import SETTINGS, ProofConfig, run_proof

    if setting not in SETTINGS:
        raise typer.BadParameter(f"--setting is one of {', '.join(SETTINGS)}")
    interval_s = parse_duration(interval).total_seconds()
    if not 3_600.0 <= interval_s <= 86_400.0 or 86_400.0 % interval_s:
        raise typer.BadParameter("--interval divides a day, from 1h to 1d")
    config = ProofConfig(
        year=year,
        store=store,
        interval_s=interval_s,
        setting=setting,
        adaptive=adaptive,
        seed=seed,
        scale=scale,
        days=days,
    )
    result = run_proof(config, progress=lambda line: err.print(line))
    report = result.pop("report")
    if not as_json:
        typer.echo(f"method: {report['method']}")
        for month, row in report["by_month"].items():
            typer.echo(f"{month}: savings {row['savings_pct']:.1f}%")
        typer.echo(f"Option C: cabinets/nodes = {report['option_c']['cabinets_over_nodes']}")
    typer.echo(json.dumps(result))


def _cell(interval: Interval, digits: int = 1) -> str:
    if math.isnan(interval.low):
        return f"{interval.mean:.{digits}f}"
    return f"{interval.mean:.{digits}f} [{interval.low:.{digits}f}, {interval.high:.{digits}f}]"


def _table(result: Evaluation) -> Table:
    table = Table(title="Fixed time vs Vigie priority (mean over seeds, 95% CI)")
    for column in ("measure", "fixed time", "Vigie priority", "change %"):
        table.add_column(column)
    for measure in result.measures:
        table.add_row(
            measure.name, _cell(measure.fixed), _cell(measure.priority), _cell(measure.change_pct)
        )
    return table


def evaluate_command(
    seeds: int = typer.Option(5, min=1, max=100, help="Seeds, each run under both controls."),
    first_seed: int = typer.Option(1, help="First seed; the others follow."),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON, last."),
    lateness_threshold: str = typer.Option(
        "0", help="Buses at least this late (s) ask for priority; 'none': every bus."
    ),
    max_extension_s: float = typer.Option(15.0, min=0, max=60, help="Green extension budget."),
    no_extension: bool = typer.Option(False, help="Switch green extension off."),
    no_early_green: bool = typer.Option(False, help="Switch early green off."),
    measured_min: float = typer.Option(60.0, min=5, max=600, help="Measured simulated minutes."),
    intersections: int = typer.Option(9, min=2, max=30, help="Signalised junctions."),
    emergency_every_min: float = typer.Option(
        0.0,
        min=0,
        max=60,
        help="An ambulance eastbound every N minutes, with preemption (0: none).",
    ),
    workdir: Path | None = typer.Option(None, help="Keep SUMO's files here."),
) -> None:
    """Build the corridor, run fixed time and Vigie's priority on the same seeds, compare."""
    from vigie.lab.sumo.corridor import Corridor
    from vigie.lab.sumo.evaluation import evaluate

    config = PriorityConfig(
        green_extension=not no_extension,
        early_green=not no_early_green,
        lateness_threshold_s=lateness_threshold_s(lateness_threshold),
        max_extension_s=max_extension_s,
    )
    corridor = Corridor(
        intersections=intersections,
        measured_s=measured_min * 60,
        emergency_every_s=emergency_every_min * 60,
    )
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    result = evaluate(
        corridor,
        config,
        list(range(first_seed, first_seed + seeds)),
        workdir,
        progress=None if json_output else console.print,
    )
    console.print(_table(result))
    console.print(
        f"{corridor.intersections} signalised junctions, {result.buses_per_run:.0f} buses and "
        f"{result.cars_per_run:.0f} cars measured per run; {result.requests_granted} priority "
        f"grants; safety violations: {result.safety_violations} in "
        f"{result.greens_judged} signal greens checked"
    )
    if json_output:
        print(json.dumps(result.summary()))


def attach(groups: dict[str, typer.Typer]) -> None:
    """Add the lab's commands to the facilities' groups that are installed."""
    if "lighting" in groups:
        groups["lighting"].command("prove")(prove)
    if "traffic" in groups:
        groups["traffic"].command("evaluate")(evaluate_command)
