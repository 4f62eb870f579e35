"""`vigie db ...`: store maintenance."""

from __future__ import annotations

import typer
from rich.console import Console

from vigie.core.settings import Settings
from vigie.runtime.store import open_store

app = typer.Typer(help="Store maintenance.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Create or migrate the store to the latest schema and load the reference communes."""
    settings = Settings.from_env()
    open_store(settings).dispose()
    Console().print(f"[green]Store ready[/green] at {settings.database_url}")
