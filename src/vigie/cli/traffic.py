"""`vigie traffic evaluate`: Vigie's bus priority against fixed time, in SUMO."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from vigie.domains.traffic.priority import PriorityConfig

if TYPE_CHECKING:  # the lab (and SUMO) is imported by the command itself, when it runs
    from vigie.lab.sumo.evaluation import Evaluation, Interval

app = typer.Typer(help="Traffic signals and bus priority.", no_args_is_help=True)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def _threshold(text: str) -> float | None:
    if text.lower() in {"none", "off", "always"}:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.print("[red]Refused:[/red] --lateness-threshold takes seconds or 'none'")
        raise typer.Exit(2) from None
    if not math.isfinite(value):
        errors.print("[red]Refused:[/red] --lateness-threshold must be finite")
        raise typer.Exit(2)
    return value


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


@app.command("evaluate")
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
        lateness_threshold_s=_threshold(lateness_threshold),
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


@app.command("priority")
def priority_command(
    mqtt_url: str = typer.Option(
        "mqtt://127.0.0.1:1883", envvar="VIGIE_MQTT_URL", help="The broker of the device protocol."
    ),
    lateness_threshold: str = typer.Option(
        "0", help="Buses at least this late (s) ask for priority; 'none': every bus."
    ),
) -> None:
    """Live bus priority: buses' positions from the broker, requests to the controllers on
    their `.../priority` topics, until Ctrl-C."""
    import threading
    from datetime import UTC, datetime

    from vigie.cli.store import open_store
    from vigie.domains.traffic.priority_link.mqtt import PriorityLink
    from vigie.domains.traffic.priority_link.wiring import build_live_priority
    from vigie.runtime import Runtime

    engine = open_store()
    live = build_live_priority(
        engine,
        datetime.now(UTC),
        PriorityConfig(lateness_threshold_s=_threshold(lateness_threshold)),
    )
    engine.dispose()
    link = PriorityLink(mqtt_url, live)
    runtime = Runtime([link])
    runtime.start()
    console.print(
        f"Bus priority: {len(live.server.intersections())} equipped junctions on "
        f"{len(live.tracker.lines)} lines; listening on {mqtt_url}"
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
        console.print(f"{link.published} requests sent")
