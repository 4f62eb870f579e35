"""`vigie gtfs import|export`: the bus network's GTFS static feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from vigie.domains.transit.gtfs.feed import FeedError, write_zip
from vigie.domains.transit.gtfs.store import import_feed, latest_feed
from vigie.domains.transit.gtfs.twin import twin_feed
from vigie.registry.snapshot import load_snapshot
from vigie.runtime.store import open_store

app = typer.Typer(help="GTFS static feed of the bus network.", no_args_is_help=True)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="An agency's GTFS zip"),
    actor: str = typer.Option("cli", help="Who imports, for the audit log"),
) -> None:
    """Import a GTFS zip: from now on it is the feed served and matched against."""
    engine = open_store()
    try:
        with engine.begin() as conn:
            feed_id, feed = import_feed(conn, path.read_bytes(), actor, datetime.now(UTC))
    except (FeedError, ValueError) as error:
        errors.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    console.print(
        f"Imported feed {feed_id}: {len(feed.routes)} routes, {len(feed.stops)} stops, "
        f"{len(feed.trips)} trips"
    )


@app.command("export")
def export_command(
    path: Path = typer.Argument(..., dir_okay=False, help="Where to write the zip"),
) -> None:
    """Write the feed Vigie serves: the latest import, else the twin's timetable."""
    engine = open_store()
    try:
        with engine.connect() as conn:
            stored = latest_feed(conn)
        data = (
            stored.data
            if stored is not None
            else write_zip(twin_feed(load_snapshot(engine), datetime.now(UTC).date()))
        )
    finally:
        engine.dispose()
    path.write_bytes(data)
    console.print(f"Wrote {path} ({len(data)} bytes)")
