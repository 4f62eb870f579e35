"""`vigie municipalities ...`: register a municipality (before importing its data), list them."""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vigie.audit.log import AuditEntry, record
from vigie.cli.assets import ACTOR_OPTION, cli_actor
from vigie.core.clock import SystemClock
from vigie.registry.municipalities import (
    Municipality,
    add_municipality,
    get_municipality,
    list_municipalities,
)
from vigie.runtime.store import open_store

app = typer.Typer(help="Municipalities the registry knows.", no_args_is_help=True)

#: INSEE commune codes: department (2 digits, or 2A/2B for Corsica) then 3 digits.
_INSEE_CODE = re.compile(r"^\d[0-9AB]\d{3}$")


def _problems(
    code: str, name: str, lon: float, lat: float, area_km2: float, population: int
) -> list[str]:
    problems = []
    if not _INSEE_CODE.match(code):
        problems.append(f"--code {code!r} is not an INSEE commune code (5 characters, e.g. 34172)")
    if not name.strip() or len(name.strip()) > 120:
        problems.append("--name needs 1 to 120 characters")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        problems.append(f"({lon}, {lat}) is not a WGS84 longitude/latitude")
    if area_km2 < 0 or population < 0:
        problems.append("--area-km2 and --population cannot be negative")
    return problems


@app.command("add")
def add(
    code: str = typer.Option(..., "--code", help="INSEE code, e.g. 34172."),
    name: str = typer.Option(..., "--name", help="Official name, e.g. Montpellier."),
    lon: float = typer.Option(..., "--lon", help="Longitude of the centre (WGS84)."),
    lat: float = typer.Option(..., "--lat", help="Latitude of the centre (WGS84)."),
    area_km2: float = typer.Option(0.0, "--area-km2", help="Area in km² (default: 0, unknown)."),
    population: int = typer.Option(
        0, "--population", help="Legal population (default: 0, unknown)."
    ),
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Register a municipality (without a boundary: points are placed in it within 5 km of its
    centre, or by naming it in the import)."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    problems = _problems(code, name, lon, lat, area_km2, population)
    engine = open_store()
    try:
        with engine.begin() as conn:
            if get_municipality(conn, code) is not None:
                problems.append(f"municipality {code} is already registered")
            if any(m.name == name.strip() for m in list_municipalities(conn)):
                problems.append(f"a municipality is already called {name.strip()!r}")
            if problems:
                for problem in problems:
                    err.print(f"[red]Error:[/red] {escape(problem)}")
                raise typer.Exit(2)
            municipality = Municipality(code, name.strip(), lon, lat, area_km2, population)
            add_municipality(conn, municipality)
            record(
                conn,
                [
                    AuditEntry(
                        at=SystemClock().now(),
                        actor=cli_actor(actor),
                        action="municipality.create",
                        entity_type="Municipality",
                        entity_id=code,
                        after={"code": code, "name": municipality.name, "lon": lon, "lat": lat,
                               "area_km2": area_km2, "population": population},
                    )
                ],
            )  # fmt: skip
    finally:
        engine.dispose()
    Console(highlight=False, soft_wrap=True).print(
        f"Registered {municipality.name} ({code}).", markup=False
    )


@app.command("list")
def list_command() -> None:
    """The registered municipalities."""
    engine = open_store()
    try:
        with engine.connect() as conn:
            found = list_municipalities(conn)
    finally:
        engine.dispose()
    table = Table("code", "name", "lon", "lat", "area km²", "population", "boundary")
    for m in found:
        table.add_row(
            m.code, escape(m.name), f"{m.lon:.4f}", f"{m.lat:.4f}", f"{m.area_km2:g}",
            str(m.population), "yes" if m.boundary else "no",
        )  # fmt: skip
    Console().print(table)
