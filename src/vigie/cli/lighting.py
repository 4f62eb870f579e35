"""`vigie lighting`: the energy savings of street lighting (IPMVP) from the store, and the
proof of the contract's savings on the simulated twin (docs/lighting.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vigie.cli.sim import parse_duration
from vigie.core.settings import Settings
from vigie.domains.lighting.energy_kpi import lighting_energy
from vigie.store.engine import make_engine

#: The dimming settings of the proof (vigie.lab.proofs.lighting_year.SETTINGS), for the help
#: text: the lab is imported by the command itself, when it runs.
PROOF_SETTINGS = ("default", "deep")

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


@app.command()
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
