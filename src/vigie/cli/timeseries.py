"""`vigie timeseries ...`: roll the raw readings up, prune them past their retention."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console

from vigie.core.clock import SystemClock
from vigie.runtime.store import open_store
from vigie.timeseries.maintenance import ensure_months_ahead, prune_in_steps, roll_up_in_steps
from vigie.timeseries.retention import RETENTION_VARIABLE
from vigie.timeseries.rollups import mark_for_recompute

app = typer.Typer(
    help="Time series: hourly and daily rollups, raw retention.",
    no_args_is_help=True,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        errors.print(f"[red]Refused:[/red] {option} needs an RFC 3339 time with its UTC offset")
        raise typer.Exit(2)
    return parsed


@app.command("rollup")
def rollup(
    from_text: str | None = typer.Option(
        None, "--from", help="Only buckets from this time (RFC 3339, e.g. 2026-03-01T00:00Z)."
    ),
    to_text: str | None = typer.Option(None, "--to", help="Only buckets before this time."),
    recompute: bool = typer.Option(
        False, help="Recompute every hour of --from/--to, not only those with new readings."
    ),
) -> None:
    """Roll up the hours and days that received readings since the last run."""
    from_ts, to_ts = _instant(from_text, "--from"), _instant(to_text, "--to")
    engine = open_store()
    try:
        if recompute:
            if from_ts is None or to_ts is None:
                errors.print("[red]Refused:[/red] --recompute needs --from and --to")
                raise typer.Exit(2)
            with engine.begin() as conn:
                mark_for_recompute(conn, from_ts, to_ts)
        report = roll_up_in_steps(engine, from_ts, to_ts)
    finally:
        engine.dispose()
    console.print(
        f"[green]Rolled up[/green] {report.hours} hours ({report.hourly_rows} rows) "
        f"and {report.days} days ({report.daily_rows} rows)"
    )


@app.command("prune")
def prune(
    retention_days: int | None = typer.Option(
        None,
        "--retention-days",
        min=1,
        help=f"Keep this many days of raw readings [{RETENTION_VARIABLE} or 30].",
    ),
) -> None:
    """Delete raw readings past their retention (rolled-up hours only); rollups are kept."""
    engine = open_store()
    now = SystemClock().now()
    try:
        ensure_months_ahead(engine, now)
        report = prune_in_steps(engine, now, retention_days=retention_days)
    finally:
        engine.dispose()
    cutoff = report.cutoff.isoformat() if report.cutoff else "-"
    dropped = ", ".join(report.dropped_partitions)
    dropped = f", dropped {dropped}" if dropped else ""
    console.print(
        f"[green]Pruned[/green] {report.deleted_rows} raw readings before {cutoff}{dropped}"
    )
