"""`vigie city ...`: the digital twin of the metropolitan area."""

from __future__ import annotations

import getpass
import time
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigie.core.clock import SystemClock
from vigie.runtime.store import open_store

if TYPE_CHECKING:  # the lab is imported by the command itself, when it runs
    from vigie.lab.city import GeneratedCity
from vigie.registry.assets import count_by_type
from vigie.registry.municipalities import list_municipalities

app = typer.Typer(help="The digital twin of the city.", no_args_is_help=True)


def _actor() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def _summary(city: GeneratedCity, generate_s: float, write_s: float) -> Table:
    table = Table(title=f"City generated (seed {city.seed}, scale {city.scale:g})")
    table.add_column("Asset type")
    table.add_column("Count", justify="right")
    for asset_type, count in city.counts.items():
        table.add_row(asset_type, f"{count:,}")
    table.add_section()
    table.add_row("Total", f"{len(city.assets):,}")
    table.add_row("Renovated buildings", f"{city.renovated_buildings:,}")
    table.add_row("Fibre length", f"{city.fibre_length_m / 1000:,.1f} km")
    table.add_row("Time: generate + write", f"{generate_s:.1f} s + {write_s:.1f} s")
    return table


@app.command("generate")
def generate(
    scale: str = typer.Option(
        "dijon", help="'dijon' for the reference city, or a multiplier of every count (5, 0.1)."
    ),
    seed: int = typer.Option(
        2017, min=0, help="Same seed, same city; another seed, another layout."
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Delete the assets already in the store (with their parts and links) first.",
    ),
) -> None:
    """Generate the city's assets into the store: streetlights and their cabinets, signalised
    intersections, cameras, bollards, buses, fleet, buildings and the fibre network."""
    from vigie.lab.city import STAGES, StoreNotEmpty, generate_city, parse_scale, write_city

    try:
        multiplier = parse_scale(scale)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--scale") from None
    console = Console()
    engine = open_store()
    try:
        with engine.connect() as conn:
            existing = count_by_type(conn)
            municipalities = list_municipalities(conn)
        if existing and not replace:
            # Refused before generating, not after; write_city checks again when it writes.
            raise StoreNotEmpty(existing)
        columns = (TextColumn("{task.description:<16}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("starting", total=len(STAGES) + 1)

            def on_stage(stage: str) -> None:
                progress.update(task, description=stage, completed=STAGES.index(stage))

            started = time.perf_counter()
            city = generate_city(seed, multiplier, municipalities, on_stage)
            generated = time.perf_counter()
            progress.update(task, description="writing", completed=len(STAGES))
            with engine.begin() as conn:
                write_city(
                    conn,
                    city,
                    SystemClock().now(),
                    _actor(),
                    replace=replace,
                    on_progress=lambda done, total: progress.update(
                        task, completed=len(STAGES) + done / total
                    ),
                )
            written = time.perf_counter()
            progress.update(task, description="done")
    except StoreNotEmpty as refused:
        console.print(f"[red]{refused}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    console.print(_summary(city, generated - started, written - generated))
