"""`vigie lighting`: the energy savings of street lighting (IPMVP) from the store
(docs/lighting.md). The proof on the simulated twin, `vigie lighting prove`, is the lab's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console

from vigie.core.settings import Settings
from vigie.domains.lighting.energy_kpi import lighting_energy
from vigie.store.engine import make_engine

app = typer.Typer(help="Street lighting.", no_args_is_help=True)
err = Console(stderr=True)


@app.callback()
def lighting() -> None:
    """Street lighting: savings and their proof."""


def _day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@app.command()
def savings(
    from_: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (UTC)")],
    to: Annotated[str, typer.Option("--to", help="day after the last, YYYY-MM-DD")],
    municipality: Annotated[list[str] | None, typer.Option(help="INSEE code(s)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Baseline, metered energy and savings per month and municipality (IPMVP)."""
    start, end = _day(from_), _day(to)
    if end <= start:
        raise typer.BadParameter("--to must be after --from")
    engine = make_engine(Settings.from_env().database_url)
    with engine.begin() as conn:
        report = lighting_energy(
            conn, start, end, municipalities=tuple(municipality) if municipality else None
        )
    found = report.to_json()
    if as_json:
        typer.echo(json.dumps(found))
        return
    total = found["total"]
    typer.echo(f"method: {found['method']}")
    for month, row in found["by_month"].items():
        typer.echo(
            f"{month}: baseline {row['baseline_kwh']:,.0f} kWh, metered "
            f"{row['measured_kwh']:,.0f} kWh, savings {row['savings_pct']:.1f}%"
        )
    typer.echo(
        f"total: savings {total['savings_pct']:.1f}% "
        f"({total['savings_kwh']:,.0f} kWh of {total['baseline_kwh']:,.0f})"
    )
